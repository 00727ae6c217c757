"""The weeks tests choose: weeks still open on the day the tests run.

The platform takes a collège week for an offer until its Friday, and for an application only
before its Monday, and only weeks of the current school year (``SchoolYear.current``: from
1 July, the next one). Tests take the last weeks that have not begun, so that they keep
running until late in the school year; the weeks run out at the end of May, and from then
to 30 June no collège week can be chosen at all (nor the seconde period once begun, in mid-June):
a test that needs more weeks than are left raises :class:`NoWeekLeft`, which the suite
reports as a skip saying why (conftest).

Unit tests pass their own fixed day (:data:`FIXED_TODAY`) instead of today's date.
"""

from __future__ import annotations

from datetime import date

from services.common.school_calendar import SchoolYear, SecondePeriod, Week, today_in_paris

FIXED_TODAY = date(2026, 11, 16)
"""The fixed clock of unit tests: a Monday of 2026–2027 with the whole year ahead of it."""


class NoWeekLeft(LookupError):
    """Fewer weeks still open today than a test needs: collège weeks from late May to 30 June,
    the seconde period from its first Monday (mid-June) to 30 June."""


def upcoming_college_weeks(count: int, today: date | None = None) -> list[Week]:
    """The last ``count`` collège weeks of the current school year that have not begun on
    ``today`` (default: today in Paris), in order."""
    today = today or today_in_paris()
    year = SchoolYear.current(today)
    upcoming = [week for week in year.college_weeks() if week.monday > today]
    if len(upcoming) < count:
        raise NoWeekLeft(
            f"{count} semaine(s) de collège à venir demandée(s) le {today.isoformat()}, "
            f"{len(upcoming)} à venir dans l'année scolaire {year.label} (de fin mai au 30 juin, aucune : "
            "l'année suivante s'ouvre le 1er juillet)."
        )
    return upcoming[-count:]


def college_week(offset: int = -1, today: date | None = None) -> str:
    """An upcoming collège week of the current school year, ``offset`` from the last one
    (``-1``: the last week, ``-2``: the one before)."""
    if offset >= 0:
        raise ValueError("offset counts from the year's end: -1, -2, ...")
    return str(upcoming_college_weeks(-offset, today)[0])


def upcoming_seconde_period(today: date | None = None, *, publishing: bool = False) -> SecondePeriod:
    """The seconde period of the current school year while it is open on ``today`` (default:
    today in Paris): pupils apply before its first Monday, hosts publish (``publishing``)
    until its last Friday."""
    today = today or today_in_paris()
    period = SchoolYear.current(today).seconde
    closed = period.week_2.friday < today if publishing else period.week_1.monday <= today
    if closed:
        raise NoWeekLeft(
            f"La période de seconde {period.week_1}–{period.week_2} a {'pris fin' if publishing else 'commencé'} "
            f"(nous sommes le {today.isoformat()}) : celle de l'année suivante s'ouvre le 1er juillet."
        )
    return period
