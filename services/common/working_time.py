"""Working time of a minor during an observation internship (Code du travail, L3162-1 ff.).

At most 7 hours a day and 35 hours a week, no work between 20:00 and 06:00, and a break of
at least 30 minutes once 4 h 30 of work have gone by. A day's schedule is
``[arrival, departure]`` or ``[arrival, break start, break end, departure]``.

One set of rules for the hosts' offers (checked when a host publishes or edits one) and the
conventions' schedules (checked when the host fills in and completes its part).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import pairwise

MAX_DAY_MINUTES = 7 * 60
MAX_WEEK_MINUTES = 35 * 60
MAX_STRETCH_MINUTES = 4 * 60 + 30
MIN_BREAK_MINUTES = 30
NIGHT_ENDS = 6 * 60
NIGHT_STARTS = 20 * 60

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def normalize_time(value: str) -> str:
    """``9:00`` → ``09:00``; ValueError when it is not a time of day."""
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"heure invalide : {value!r} (format HH:MM)")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def day_schedule(day: str, times: Sequence[str]) -> list[str]:
    """One day's times, normalized (``9:00`` → ``09:00``); ValueError naming the day when the
    shape is wrong: two or four times, each after the one before."""
    if len(times) not in (2, 4):
        raise ValueError(f"{day} : indiquez [arrivée, départ] ou [arrivée, début de pause, fin de pause, départ].")
    normalized = [normalize_time(time) for time in times]
    if len(normalized) == 2 and normalized[0] >= normalized[1]:
        raise ValueError(f"{day} : l'heure de départ doit suivre l'heure d'arrivée.")
    if any(earlier >= later for earlier, later in pairwise(normalized)):
        raise ValueError(f"{day} : les heures doivent se suivre dans la journée.")
    return normalized


def minutes(time: str) -> int:
    """``"09:30"`` → 570."""
    hours, mins = time.split(":")
    return int(hours) * 60 + int(mins)


def duration_label(total: int) -> str:
    """570 → ``"9 h 30"``; 420 → ``"7 h"``."""
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins:02d}" if mins else f"{hours} h"


def worked_minutes(times: Sequence[str]) -> int:
    """Minutes worked in a day's schedule (its break excluded)."""
    points = [minutes(time) for time in times]
    if len(points) == 4:
        return (points[1] - points[0]) + (points[3] - points[2])
    return points[1] - points[0]


def day_problems(day: str, times: Sequence[str]) -> list[str]:
    """What breaks the rules for minors in one day's schedule (French)."""
    points = [minutes(time) for time in times]
    problems = []
    if points[0] < NIGHT_ENDS or points[-1] > NIGHT_STARTS:
        problems.append(f"{day} : pas de présence entre 20 h et 6 h (travail de nuit interdit aux mineurs).")
    worked = worked_minutes(times)
    if worked > MAX_DAY_MINUTES:
        problems.append(f"{day} : {duration_label(worked)} de présence, au-delà de 7 h par jour.")
    stretches = [points[1] - points[0]] if len(points) == 2 else [points[1] - points[0], points[3] - points[2]]
    if max(stretches) > MAX_STRETCH_MINUTES:
        problems.append(f"{day} : une pause d'au moins 30 minutes est due après 4 h 30 de présence.")
    elif len(points) == 4 and points[2] - points[1] < MIN_BREAK_MINUTES:
        problems.append(f"{day} : la pause doit durer au moins 30 minutes.")
    return problems


def weekly_minutes(daily_hours: Mapping[str, Sequence[str]]) -> int:
    """Minutes worked in the week (breaks excluded)."""
    return sum(worked_minutes(times) for times in daily_hours.values())


def schedule_problems(daily_hours: Mapping[str, Sequence[str]]) -> list[str]:
    """Every rule the weekly schedule breaks (French); empty when it is lawful for a minor."""
    problems: list[str] = []
    for day in DAYS:
        if day in daily_hours:
            problems.extend(day_problems(day, daily_hours[day]))
    total = weekly_minutes(daily_hours)
    if total > MAX_WEEK_MINUTES:
        problems.append(f"{duration_label(total)} de présence dans la semaine, au-delà de 35 h.")
    if not daily_hours:
        problems.append("Indiquez les horaires d'au moins un jour.")
    return problems
