"""Which published offers need their host's update, and why (pure: today's date is given).

An offer is « à mettre à jour » when it was published for a school year that has ended (a new
school year rolls every offer over this way), when every week it opens is over, or when every
seat is taken. Pupils no longer find it until the host updates it.
"""

from __future__ import annotations

from datetime import date

from services.common.contracts.offers import UpdateReason
from services.common.school_calendar import SchoolYear, Week


def weeks_all_past(
    college_weeks: str | list[str] | None, seconde_period: str | None, school_year: SchoolYear, today: date
) -> bool:
    """Whether every week the offer opens is over (its Friday has gone by).

    An all-year collège offer opens the weeks of whichever school year is current: never past.
    A seconde choice names the June weeks of the offer's own school year.
    """
    if college_weeks == "all_year":
        return False
    weeks = [Week.parse(text) for text in college_weeks] if isinstance(college_weeks, list) else []
    if seconde_period:
        weeks.extend(school_year.seconde.weeks(seconde_period))
    return all(week.friday < today for week in weeks)


def update_reason(
    *,
    school_year: int,
    college_weeks: str | list[str] | None,
    seconde_period: str | None,
    max_candidates: int,
    approved_count: int,
    today: date,
) -> UpdateReason | None:
    """Why the offer needs updating (the first reason in this order), None when it does not.

    ``school_year``: the first calendar year of the school year the offer was published for.
    """
    if school_year < SchoolYear.current(today).start_year:
        return "previous_school_year"
    if weeks_all_past(college_weeks, seconde_period, SchoolYear(school_year), today):
        return "past_weeks"
    if approved_count >= max_candidates:
        return "no_seats_left"
    return None
