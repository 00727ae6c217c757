"""Pages of the pupils (the pupils' web journey): create a pupil's account with their school,
read an offer as pupils see it (read-only once closed, for a pupil who applied to it), apply to it,
and follow one's applications (« Mes candidatures »: confirm an accepted internship, cancel a
pending application).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.wrappers import Response

from gateway.account_pages import SIGNUP_LABELS
from gateway.application_pages import Pagination, paris_day, positive_int, weeks_text
from gateway.error_statuses import is_server_side, status_of
from gateway.favourites import favourites_among, shows_buttons
from gateway.offer_form import DAY_NAMES, college_grades_label, college_week_labels, week_label
from gateway.offer_views import OfferViewRecorder
from gateway.page_routing import FormErrors, Page, form_dict, page
from gateway.school_picker import sign_up_with_school, signup_page_with_school
from gateway.search_pages import map_tiles
from services.common.contracts.conventions import MOTIVATION_MAX_LENGTH
from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear, Week, french_date, today_in_paris
from services.common.sectors import BY_CODE
from services.common.session_tokens import SessionClaims

PUPIL = {"roles": ("student",), "login_path": "/eleve/connexion"}
MY_APPLICATIONS = "/mes-candidatures"
PER_PAGE = 20
GRADES = [("quatrieme", "4e"), ("troisieme", "3e"), ("seconde", "2de")]
PUPIL_SIGNUP_LABELS = {
    **SIGNUP_LABELS,
    "school_uai": "Votre établissement",
    "class_name": "Classe",
    "grade": "Niveau",
}
APPLY_LABELS = {
    "weeks": "Semaine de stage",
    "motivation": "Votre motivation",
    "phone": "Votre téléphone portable",
    "grade": "Niveau",
}
ALREADY_APPLIED = "Vous avez déjà candidaté à cette offre : retrouvez votre candidature dans « Mes candidatures »."
# An application's status as the pupil reads it, and the colour of its DSFR badge.
PUPIL_STATUSES: dict[str, tuple[str, str]] = {
    "submitted": ("envoyée", "new"),
    "read": ("lue", "info"),
    "validated": ("acceptée par l'organisme", "success"),
    "rejected": ("refusée", "error"),
    "approved": ("confirmée", "success"),
    "cancelled": ("annulée", "warning"),
    "expired": ("expirée", "warning"),
}
CANCELLABLE = ("submitted", "read", "validated")
ACTIONS = {
    "approve": "Stage confirmé : retrouvez votre convention de stage dans « Mes conventions ».",
    "cancel": "Votre candidature est annulée.",
}


# -- the weeks a pupil may ask for ---------------------------------------------------------------


@dataclass(frozen=True)
class WeekOffer:
    """What the apply form proposes: weeks to choose one of (collège), the fixed weeks of a
    seconde offer, or nothing with the reason why."""

    choices: list[tuple[str, str]] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    fixed_label: str = ""
    problem: str = ""


def weeks_for(preview: Mapping[str, Any], grade: str | None, today: date) -> WeekOffer:
    """The weeks of ``preview`` a pupil of ``grade`` may apply for on ``today`` (as the
    conventions service checks them: never a week that has begun)."""
    grades = set(preview["grades"])
    if grade is None or grade not in grades:
        return WeekOffer(problem="Cette offre ne s'adresse pas à votre niveau.")
    year = SchoolYear.current(today)
    if grade == "seconde":
        fixed = sorted(text for text in preview["weeks"] if not year.is_college_week(Week.parse(text)))
        if not fixed or any(Week.parse(text).monday <= today for text in fixed):
            return WeekOffer(problem="La période de stage de cette offre a déjà commencé.")
        return WeekOffer(fixed=fixed, fixed_label=preview["seconde_label"] or weeks_text(fixed))
    college = preview["college_weeks"]
    weeks = year.college_weeks() if college == "all_year" else sorted(Week.parse(text) for text in college or [])
    choices = [(str(week), week_label(week)) for week in weeks if week.monday > today]
    if not choices:
        return WeekOffer(problem="Toutes les semaines de cette offre ont déjà commencé.")
    return WeekOffer(choices=choices)


def hours_text(times: list[str]) -> str:
    """``08:00 – 12:00 et 13:30 – 17:00`` (a day with a break), or ``08:00 – 12:00``."""
    if len(times) == 4:
        return f"{times[0]} – {times[1]} et {times[2]} – {times[3]}"
    return f"{times[0]} – {times[-1]}"


def application_card(application: Mapping[str, Any]) -> dict[str, Any]:
    """One application as « Mes candidatures » shows it."""
    label, kind = PUPIL_STATUSES.get(application["status"], (application["status"], "info"))
    return {
        "id": application["id"],
        "offer_id": application["offer_id"],
        "offer_title": application["offer_title"],
        "employer_name": application["employer_name"],
        "city": application["city"],
        "weeks": weeks_text(application["weeks"]),
        "sent": french_date(paris_day(application["created_at"])),
        "status": application["status"],
        "status_label": label,
        "badge": kind,
        "reason": application.get("reason") or "",
        "may_confirm": application["status"] == "validated",
        "may_cancel": application["status"] in CANCELLABLE,
    }


@dataclass(frozen=True)
class OfferReading:
    """What ``/offres/{id}`` shows: the offer's preview, and whether it is shown closed to
    applications (read-only, to a pupil who applied to it)."""

    preview: dict[str, Any]
    closed: bool = False


def has_applied(conventions: Any, user: SessionClaims | None, actor: dict[str, Any] | None, offer_id: int) -> bool:
    """Whether the signed-in reader is a pupil with an application (any status) to ``offer_id``;
    conventions is asked only for a pupil."""
    if user is None or actor is None or user.role != "student":
        return False
    return conventions.list_applications(actor, offer_id, None, 1, 1)["total"] > 0


def offer_reading(
    offers: Any, conventions: Any, user: SessionClaims | None, actor: dict[str, Any] | None, offer_id: int
) -> OfferReading:
    """The offer as its reader may see it: open to pupils (or the reader's team's own), or else,
    for a pupil who applied to it, closed to applications. An offer fills up precisely when
    pupils get accepted, so the link of « Mes candidatures » must keep working once it is
    marked « à mettre à jour » or unpublished; anyone else gets the preview's 404."""
    try:
        return OfferReading(offers.preview_offer(actor, offer_id))
    except DomainError as exc:
        if exc.code != "NOT_FOUND" or not has_applied(conventions, user, actor, offer_id):
            raise
    return OfferReading(offers.applicant_preview_offer(offer_id), closed=True)


class PupilPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    offers: Any
    matching: Any
    conventions: Any
    # Declared here, the pupils' offer page being where views happen; the JSON preview uses it too.
    offer_views = OfferViewRecorder()

    # -- Créer un compte — élève ---------------------------------------------------------------

    @page("GET,POST", "/eleve/inscription", "Créer un compte d'élève (avec son établissement et son niveau)")
    def pupil_signup_page(self, current: Page) -> Response:
        return signup_page_with_school(
            current,
            self.matching,
            ("first_name", "last_name", "email", "school_query", "school_uai", "class_name", "grade"),
            "pupils/signup.html",
            PUPIL_SIGNUP_LABELS,
            self._sign_pupil_up,
            grades=GRADES,
        )

    def _sign_pupil_up(self, current: Page, values: dict[str, str]) -> FormErrors:
        errors = sign_up_with_school(
            self.identity,
            current,
            values,
            "student",
            grade=values["grade"] or None,
            class_name=values["class_name"] or None,
        )
        # The API names the grade by its code: a pupil reads words.
        if not values["grade"] and "grade" in errors:
            errors["grade"] = ["Choisissez votre niveau : 4e, 3e ou 2de."]
        return errors

    # -- an offer as pupils see it -------------------------------------------------------------

    @page("GET", "/offres/<int:offer_id>", "Une offre telle que la voient les élèves, avec « Postuler »")
    def pupil_offer_page(self, current: Page) -> Response:
        offer_id = current.call.path["offer_id"]
        reading = offer_reading(self.offers, self.conventions, current.user, current.actor, offer_id)
        preview = reading.preview
        if not reading.closed:
            # Views measure the audience of offers open to pupils, not an applicant's rereading.
            self.offer_views(current.user, offer_id)
        sector = BY_CODE.get(preview["sector"])
        apply_path = f"/offres/{offer_id}/postuler"
        # Read-only once closed: neither « Postuler » nor the favourite toggle.
        offer_ids = [] if reading.closed else [offer_id]
        favourites = favourites_among(self.matching, current.user, current.actor, offer_ids)
        return current.render(
            "pupils/offer.html",
            closed=reading.closed,
            favourite_buttons=shows_buttons(current.user) and not reading.closed,
            is_favourite=offer_id in favourites,
            tiles=map_tiles(),
            preview=preview,
            sector_name=sector.name if sector else preview["sector"],
            weeks=college_week_labels(preview["college_weeks"]),
            college_grades=college_grades_label(preview["grades"]),
            hours=[(DAY_NAMES.get(day, day), hours_text(times)) for day, times in preview["daily_hours"].items()],
            apply_href=apply_path if current.user else f"/eleve/connexion?suite={apply_path}",
            may_apply=not reading.closed and (current.user is None or current.user.role == "student"),
        )

    @page("GET", "/offres-de-stage/<int:offer_id>", "L'adresse d'une offre donnée aux partenaires (API v2)")
    def partner_offer_link(self, current: Page) -> Response:
        """The v2 answers link offers as the national platform does (``/offres-de-stage/{id}?…``,
        byte for byte with its samples): those links lead to the pupils' page of the offer."""
        return Response(status=301, headers={"Location": f"/offres/{current.call.path['offer_id']}"})

    # -- Postuler ------------------------------------------------------------------------------

    @page("GET,POST", "/offres/<int:offer_id>/postuler", "Postuler à une offre (élève)", **PUPIL)
    def apply_page(self, current: Page) -> Response:
        offer_id = current.call.path["offer_id"]
        preview = self.offers.preview_offer(current.actor, offer_id)
        weeks = weeks_for(preview, current.user.grade if current.user else None, today_in_paris())
        values = {"weeks": "", "motivation": "", "phone": "", "idempotency_key": uuid.uuid4().hex}
        errors = FormErrors()
        if current.method == "POST" and not weeks.problem:
            values = form_dict(current.form, "weeks", "motivation", "phone", "idempotency_key")
            chosen = weeks.fixed or ([values["weeks"]] if values["weeks"] else [])
            body = {"weeks": chosen, "motivation": values["motivation"], "phone": values["phone"] or None}
            if not chosen:
                errors.add("weeks", "Choisissez la semaine de votre stage.")
            if not values["motivation"]:
                errors.add("motivation", "Dites à l'organisme pourquoi ce stage vous intéresse.")
            if not errors:
                try:
                    self.conventions.apply(current.actor, offer_id, body, values["idempotency_key"] or None)
                except DomainError as exc:
                    if status_of(exc) not in (409, 422):
                        raise
                    if exc.code in ("ALREADY_APPLIED", "IDEMPOTENCY_KEY_REUSED"):
                        errors = FormErrors(ALREADY_APPLIED)
                    else:
                        errors = FormErrors.of(exc)
                else:
                    sent = f"Votre candidature est envoyée à {preview['employer']['name']}."
                    return current.redirect(MY_APPLICATIONS, sent)
        return current.render(
            "pupils/apply.html",
            status=422 if errors else 200,
            preview=preview,
            week_offer=weeks,
            values=values,
            errors=errors,
            labels=APPLY_LABELS,
            already_applied=errors.message == ALREADY_APPLIED,
            motivation_max=MOTIVATION_MAX_LENGTH,
        )

    # -- Mes candidatures ----------------------------------------------------------------------

    @page("GET,POST", MY_APPLICATIONS, "Mes candidatures (élève) : confirmer un stage, annuler", **PUPIL)
    def my_applications_page(self, current: Page) -> Response:
        if current.method == "POST":
            action = current.form.get("action") or ""
            application_id = positive_int(current.form.get("application_id"))
            if action not in ACTIONS or application_id is None:
                return current.redirect(MY_APPLICATIONS, "Action inconnue.", kind="error")
            try:
                self.conventions.act_on_application(current.actor, application_id, action, {})
            except DomainError as exc:
                if is_server_side(exc) or status_of(exc) in (401, 403):
                    raise
                return current.redirect(MY_APPLICATIONS, exc.message, kind="error")
            return current.redirect(MY_APPLICATIONS, ACTIONS[action])
        page_number = positive_int(current.args.get("page")) or 1
        listing = self.conventions.list_applications(current.actor, None, None, page_number, PER_PAGE)
        return current.render(
            "pupils/applications.html",
            cards=[application_card(item) for item in listing["results"]],
            total=listing["total"],
            pagination=Pagination.of(listing, MY_APPLICATIONS, {}),
        )
