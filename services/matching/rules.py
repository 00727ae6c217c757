"""School weeks rules, free of storage and messaging: who sets a school's weeks, which weeks.

A school's staff chooses the collège weeks of the current school year when its pupils do
their internships (hosts see, for each week, how many schools within 60 km chose it). A
new choice must be a week of the current school year that is not over; weeks already past
stay as they were: they are history, and a form that sends them back changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from services.common.contracts.actors import Actor
from services.common.school_calendar import SchoolYear, Week

STAFF_ROLES = ("school_manager", "teacher")


def may_set_weeks(actor: Actor, uai: str) -> bool:
    """Only the staff of that school (head of school, teachers) chooses its weeks."""
    return actor.role in STAFF_ROLES and actor.school_uai is not None and actor.school_uai.upper() == uai.upper()


def is_past(week: Week, today: date) -> bool:
    """A week is over once its Friday is behind us (as for offers' weeks)."""
    return week.friday < today


def week_problems(requested: Iterable[str], stored: set[str], today: date) -> list[str]:
    """Why the requested weeks cannot be the school's choice, in French; empty when they can.

    ``requested`` are well-formed weeks (``YYYY-Www``); ``stored`` the school's current choice.
    """
    year = SchoolYear.current(today)
    problems = []
    for text in requested:
        week = Week.parse(text)
        if not year.is_college_week(week):
            problems.append(
                f"La semaine {week} n'est pas une semaine de collège de l'année scolaire "
                f"{year.start_year}-{year.start_year + 1} (de {year.first_college_week} à {year.last_college_week})."
            )
        elif is_past(week, today) and str(week) not in stored:
            problems.append(f"La semaine {week} est passée.")
    return problems


def weeks_after_change(requested: Iterable[str], stored: set[str], today: date) -> set[str]:
    """The school's weeks once a choice replaces the upcoming ones: past weeks are kept."""
    kept = {text for text in stored if is_past(Week.parse(text), today)}
    return kept | {str(Week.parse(text)) for text in requested}


def weeks_of_year(weeks: Iterable[str], today: date) -> list[str]:
    """The weeks of the current school year among ``weeks``, in order (what the API shows)."""
    year = SchoolYear.current(today)
    return sorted(text for text in weeks if year.is_college_week(Week.parse(text)))
