"""Offer rules that need more than one field or today's date (pure: no storage, no bus)."""

from __future__ import annotations

from datetime import date

from services.common.contracts.offers import COLLEGE_GRADES, OfferBody
from services.common.school_calendar import SchoolYear, Week
from services.common.working_time import schedule_problems

Problems = dict[str, list[str]]


def college_week_problems(weeks: list[str], year: SchoolYear, today: date) -> list[str]:
    """Why chosen collège weeks cannot be offered: outside the school year, or past."""
    if not weeks:
        return ["Choisissez au moins une semaine, ou « all_year »."]
    messages = []
    first, last = year.first_college_week, year.last_college_week
    for week in map(Week.parse, weeks):
        if not year.is_college_week(week):
            messages.append(
                f"La semaine {week} n'est pas dans l'année scolaire {year.start_year}-{year.start_year + 1} "
                f"(de {first} à {last})."
            )
        elif week.friday < today:
            messages.append(f"La semaine {week} est passée.")
    return messages


def offer_problems(body: OfferBody, today: date, approved: int = 0) -> Problems:
    """Every rule an offer breaks, by field, in French; empty when the offer is valid."""
    year = SchoolYear.current(today)
    problems: Problems = {}
    college = any(grade in COLLEGE_GRADES for grade in body.grades)
    seconde = "seconde" in body.grades

    if seconde and body.seconde_period is None:
        problems["seconde_period"] = ["Choisissez la période de seconde : two_weeks, week_1 ou week_2."]
    elif not seconde and body.seconde_period is not None:
        problems["seconde_period"] = ["La période de seconde ne concerne que les offres de seconde."]
    elif seconde and body.seconde_period is not None:
        weeks = year.seconde.weeks(body.seconde_period)
        if weeks[-1].friday < today:
            problems["seconde_period"] = ["La période de seconde de cette année scolaire est passée."]

    if college and body.college_weeks is None:
        problems["college_weeks"] = ["Indiquez « all_year » ou les semaines choisies pour la 4e et la 3e."]
    elif not college and body.college_weeks is not None:
        problems["college_weeks"] = ["Les semaines de collège ne concernent que les offres de 4e et de 3e."]
    elif college and isinstance(body.college_weeks, list):
        messages = college_week_problems(body.college_weeks, year, today)
        if messages:
            problems["college_weeks"] = messages

    reserved = body.reserved_for
    if sum([reserved.rep, reserved.qpv, bool(reserved.school_uais)]) > 1:
        problems["reserved_for"] = ["Une offre est réservée au plus à un public : REP, QPV ou des établissements."]
    if reserved.rep and not college:
        problems["reserved_for.rep"] = ["La réservation REP/REP+ concerne les collèges : visez la 4e ou la 3e."]
    if reserved.qpv and not seconde:
        problems["reserved_for.qpv"] = ["La réservation QPV concerne les lycées : visez la seconde."]

    if body.max_candidates < approved:
        problems["max_candidates"] = [
            f"{approved} élève(s) déjà retenu(s) : le nombre de places ne peut pas être inférieur."
        ]
    return problems


def hours_problems(body: OfferBody) -> Problems:
    """The working-time rules for minors that the offer's schedule breaks (hosts' offers)."""
    problems = schedule_problems(body.daily_hours)
    return {"daily_hours": problems} if problems else {}


def is_past(college_weeks: str | list[str] | None, seconde_period: str | None, today: date) -> bool:
    """Whether every week the offer opens is over (its Friday has gone by).

    An all-year offer opens the collège weeks of whichever school year is current: it is
    never past. A seconde choice names this school year's June weeks.
    """
    if college_weeks == "all_year":
        return False
    weeks = [Week.parse(text) for text in college_weeks] if isinstance(college_weeks, list) else []
    if seconde_period:
        weeks.extend(SchoolYear.current(today).seconde.weeks(seconde_period))
    return all(week.friday < today for week in weeks)


def open_weeks(
    college_weeks: str | list[str] | None, seconde_period: str | None, today: date
) -> tuple[list[str], list[str]]:
    """An offer's collège weeks (every remaining week when all year) and its seconde weeks."""
    year = SchoolYear.current(today)
    college: list[str] = []
    if isinstance(college_weeks, list):
        college = list(college_weeks)
    elif college_weeks == "all_year":
        college = [str(week) for week in year.college_weeks() if week.friday >= today]
    seconde = [str(week) for week in year.seconde.weeks(seconde_period)] if seconde_period else []
    return college, seconde
