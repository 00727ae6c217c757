"""The school calendar that every service agrees on: ISO weeks, school years, the seconde period.

Domain facts (DESIGN.md): collège internships happen on any week of the school year, from
the rentrée week of September (2026-W36 for 2026–2027) to the last Friday before 1 June; the seconde (2de GT)
period is two fixed weeks ending on the last Friday of June. The current school year is
computed from today's date, never hard-coded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


PARIS = ZoneInfo("Europe/Paris")


def today_in_paris() -> date:
    """Today's date where the platform's users live (ahead of UTC around midnight)."""
    return datetime.now(PARIS).date()


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday to Friday for an internship)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """``2026-W03`` (or ``2026-W3``, as partners write it); ValueError when invalid."""
        match = _WEEK.match(text.strip())
        if not match:
            raise ValueError(f"Semaine invalide : {text!r} (format attendu : AAAA-Wss, par exemple 2026-W03).")
        year, number = int(match.group(1)), int(match.group(2))
        if not 1 <= number <= date(year, 12, 28).isocalendar().week:
            raise ValueError(f"La semaine {number} n'existe pas en {year}.")
        return cls(year, number)

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def friday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 5)

    def next(self) -> Week:
        return Week.of(self.monday + timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def unpadded(self) -> str:
        """``2025-W1``: the partner API v2 writes weeks without the leading zero."""
        return f"{self.year}-W{self.number}"


def normalize_weeks(texts: list[str]) -> list[str]:
    """Weeks as ``2026-W03``, sorted, each once; ValueError naming the first invalid one."""
    return sorted({str(Week.parse(text)) for text in texts})


def french_date(day: date, with_year: bool = True) -> str:
    """``15 juin 2026`` (``1er`` for the first day of a month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {_MONTHS[day.month - 1]}" + (f" {day.year}" if with_year else "")


def french_month(day: date) -> str:
    """``septembre 2026``: the month and year of ``day``."""
    return f"{_MONTHS[day.month - 1]} {day.year}"


def last_friday_of_june(year: int) -> date:
    day = date(year, 6, 30)
    return day - timedelta(days=(day.weekday() - 4) % 7)


@dataclass(frozen=True)
class SecondePeriod:
    """The national two-week period of the seconde internships, in June of ``year``."""

    year: int

    @property
    def week_2(self) -> Week:
        return Week.of(last_friday_of_june(self.year))

    @property
    def week_1(self) -> Week:
        return Week.of(last_friday_of_june(self.year) - timedelta(days=7))

    def weeks(self, choice: str) -> list[Week]:
        """The weeks of an offer's choice: ``two_weeks``, ``week_1`` or ``week_2``."""
        return {"two_weeks": [self.week_1, self.week_2], "week_1": [self.week_1], "week_2": [self.week_2]}[choice]

    def label(self, choice: str) -> str:
        """``stage de 2 semaines (du 15 au 26 juin 2026)``."""
        weeks = self.weeks(choice)
        first, last = weeks[0].monday, weeks[-1].friday
        kind = "stage de 2 semaines" if len(weeks) == 2 else "stage d'une semaine"
        # Both weeks end by the last Friday of June and start after the 12th: same month.
        return f"{kind} (du {first.day} au {french_date(last)})"


@dataclass(frozen=True)
class SchoolYear:
    """The school year that starts in September of ``start_year``."""

    start_year: int

    @classmethod
    def current(cls, today: date) -> SchoolYear:
        """The year hosts publish for: from July on, the next one (the previous has ended)."""
        return cls(today.year if today.month >= 7 else today.year - 1)

    @property
    def first_college_week(self) -> Week:
        """The first week mostly in September (its Thursday is): 2026-W36 for 2026–2027.

        The rentrée falls in that week (1 September 2026 is a Tuesday); a week holding only
        a Friday 1 September (2023) is not a school week yet.
        """
        september = date(self.start_year, 9, 1)
        first_thursday = september + timedelta(days=(3 - september.weekday()) % 7)
        return Week.of(first_thursday)

    @property
    def last_college_week(self) -> Week:
        """The last week whose Friday falls before 1 June."""
        june_first = date(self.start_year + 1, 6, 1)
        last_friday = june_first - timedelta(days=(june_first.weekday() - 4) % 7 or 7)
        return Week.of(last_friday)

    def college_weeks(self) -> list[Week]:
        """Every collège week of the year, in order."""
        weeks = [self.first_college_week]
        while weeks[-1] < self.last_college_week:
            weeks.append(weeks[-1].next())
        return weeks

    @property
    def seconde(self) -> SecondePeriod:
        return SecondePeriod(self.start_year + 1)

    @property
    def label(self) -> str:
        """``2026-2027``."""
        return f"{self.start_year}-{self.start_year + 1}"

    def span_utc(self) -> tuple[datetime, datetime]:
        """The instants (UTC) during which it is the current year: from 1 July of its first
        calendar year, midnight in Paris, to the next 1 July (see :meth:`current`)."""
        start = datetime(self.start_year, 7, 1, tzinfo=PARIS).astimezone(UTC)
        end = datetime(self.start_year + 1, 7, 1, tzinfo=PARIS).astimezone(UTC)
        return start, end

    def is_college_week(self, week: Week) -> bool:
        return self.first_college_week <= week <= self.last_college_week
