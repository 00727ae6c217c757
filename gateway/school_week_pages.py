"""« Semaines de stage »: the school's staff ticks the collège weeks when its pupils do their
internship (matching's school weeks: hosts within 60 km then see them highlighted on their offer
form); a lycée's staff reads the national seconde period instead.

The calendar is the current school year's collège weeks, grouped by month, labelled as the
host's offer form labels them; past weeks are shown (ticked when they were chosen) but cannot be
ticked any more: matching keeps them as they were whatever the form sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from werkzeug.wrappers import Response

from gateway.error_statuses import status_of
from gateway.offer_form import week_label
from gateway.offer_routes import seconde_calendar
from gateway.page_routing import FormErrors, Page, page
from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear, Week, french_month, today_in_paris

SCHOOL_STAFF = ("school_manager", "teacher")
SCHOOL_LOGIN = "/etablissement/connexion"
WEEKS_PAGE = "/etablissement/semaines"
WEEKS_FIELD = "weeks"
LABELS = {WEEKS_FIELD: "Semaines de stage"}
SAVED = (
    "Vos semaines de stage sont enregistrées : les structures d'accueil situées à moins de 60 km les voient "
    "en surbrillance quand elles choisissent les semaines de leurs offres."
)
NO_SCHOOL = "Votre compte n'est rattaché à aucun établissement."


@dataclass(frozen=True)
class WeekBox:
    """One week of the calendar: its checkbox's value and label, whether it is over, whether chosen."""

    week: str
    label: str
    past: bool
    chosen: bool


@dataclass
class MonthOfWeeks:
    """The weeks of one month (``septembre 2026``), in order."""

    title: str
    weeks: list[WeekBox] = field(default_factory=list)


def month_of(week: Week) -> str:
    """The month most of the week's working days fall in (its Wednesday's)."""
    return french_month(week.monday + timedelta(days=2))


def weeks_by_month(today: date, chosen: Iterable[str]) -> list[MonthOfWeeks]:
    """The current school year's collège weeks, month by month, each with its state."""
    ticked = set(chosen)
    months: list[MonthOfWeeks] = []
    for week in SchoolYear.current(today).college_weeks():
        title = month_of(week)
        if not months or months[-1].title != title:
            months.append(MonthOfWeeks(title))
        text = str(week)
        months[-1].weeks.append(WeekBox(text, week_label(week), week.friday < today, text in ticked))
    return months


def seconde_period_text(today: date) -> str:
    """``du 14 au 25 juin 2027 (semaines 2027-W24 et 2027-W25)``: the national seconde period."""
    calendar = seconde_calendar(SchoolYear.current(today).seconde.year)
    dates = calendar["labels"]["two_weeks"].removeprefix("stage de 2 semaines (").removesuffix(")")
    return f"{dates} (semaines {calendar['week_1']['week']} et {calendar['week_2']['week']})"


def weeks_errors(exc: DomainError) -> FormErrors:
    """matching's refusal at the calendar's field (``weeks.3`` is a week of the calendar too)."""
    errors = FormErrors.of(exc)
    for path in [path for path in errors if path.startswith(WEEKS_FIELD + ".")]:
        for message in errors.pop(path):
            errors.add(WEEKS_FIELD, message)
    return errors


class SchoolWeekPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    matching: Any

    @page(
        "GET,POST",
        WEEKS_PAGE,
        "Semaines de stage : l'établissement coche les semaines de stage de ses élèves",
        roles=SCHOOL_STAFF,
        login_path=SCHOOL_LOGIN,
    )
    def school_weeks_page(self, current: Page) -> Response:
        uai = current.user.school_uai if current.user else None
        if not uai:
            raise DomainError("FORBIDDEN", NO_SCHOOL)
        school = self.matching.get_school(uai)
        today = today_in_paris()
        errors = FormErrors()
        chosen = self.matching.get_school_weeks(uai)["weeks"]
        if current.method == "POST":
            wanted = [week.strip() for week in current.form.getlist(WEEKS_FIELD) if week.strip()]
            try:
                self.matching.set_school_weeks(current.actor, uai, wanted)
            except DomainError as exc:
                if status_of(exc) != 422:
                    raise
                errors = weeks_errors(exc)
                # The past weeks' boxes are disabled (not sent): they stay as they were.
                chosen = wanted + [week for week in chosen if Week.parse(week).friday < today]
            else:
                return current.redirect(WEEKS_PAGE, SAVED)
        lycee = school.get("kind") == "lycee"
        return current.render(
            "school_weeks.html",
            status=422 if errors else 200,
            school=school,
            lycee=lycee,
            seconde=seconde_period_text(today) if lycee else "",
            months=[] if lycee else weeks_by_month(today, chosen),
            errors=errors,
            labels=LABELS,
        )
