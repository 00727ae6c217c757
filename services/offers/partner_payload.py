"""The partner API v2 offer payload, checked as the national platform checks it.

Messages are the national API's own English texts ("Missing title"): existing partner
clients may display or match them. No storage and no bus here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from services.common import partner_errors
from services.common.contracts.offers import COLLEGE_GRADES, SECTOR_PATTERN, normalize_time
from services.common.school_calendar import SchoolYear, Week
from services.offers.rules import college_week_problems

REQUIRED = ("title", "description", "employer_name", "employer_description", "street", "zipcode", "city",
            "remote_id", "permalink")  # fmt: skip
GRADES = ("quatrieme", "troisieme", "seconde")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")
LIMITS = {"title": 150, "description": 1500, "employer_name": 150, "employer_description": 1500, "street": 300,
          "city": 150, "remote_id": 200, "permalink": 500, "employer_website": 500, "lunch_break": 250}  # fmt: skip
_URL = re.compile(r"^https?://\S+$")
_UNSET = object()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _weeks(raw: Any) -> list[Week]:
    if not isinstance(raw, list) or not raw:
        raise partner_errors.validation_error({"weeks": ["Missing weeks"]})
    weeks = []
    for text in raw:
        try:
            weeks.append(Week.parse(str(text)))
        except ValueError:
            raise partner_errors.bad_argument(f"bad week format: {text}, expecting ISO 8601 format") from None
    return sorted(set(weeks))


def check(payload: Any, creating: bool, today: date) -> dict[str, Any]:
    """The checked fields of ``payload`` (``{"internship_offer": {...}}``'s inside).

    Raises the national API's errors: VALIDATION_ERROR (field → messages), BAD_ARGUMENT
    (a week's format), WRONG_PARAMS (grades that mix collège and lycée, a seconde offer
    without both weeks of the period).
    """
    if not isinstance(payload, dict) or not payload:
        raise partner_errors.bad_payload()
    problems: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def given(name: str) -> bool:
        return name in payload

    for name in REQUIRED:
        if creating or given(name):
            value = payload.get(name)
            if _blank(value):
                message = "doit être rempli(e)" if name == "employer_description" else f"Missing {name}"
                problems.setdefault(name, []).append(message)
            else:
                values[name] = str(value).strip()
    for name, limit in LIMITS.items():
        if name in values and len(values[name]) > limit:
            problems.setdefault(name, []).append(
                f"{name.replace('_', ' ').capitalize()} too long, allowed up to {limit} chars"
            )
    if "zipcode" in values and not re.fullmatch(r"\d{5}", values["zipcode"]):
        problems.setdefault("zipcode", []).append("is invalid")
    elif "zipcode" in problems:
        problems["zipcode"].append("is invalid")
    if "permalink" in values and not _URL.match(values["permalink"]):
        problems.setdefault("permalink", []).append("is invalid")

    if creating or given("coordinates"):
        coordinates = payload.get("coordinates")
        try:
            latitude, longitude = float(coordinates["latitude"]), float(coordinates["longitude"])
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError
            values["latitude"], values["longitude"] = latitude, longitude
        except (TypeError, KeyError, ValueError):
            problems.setdefault("coordinates", []).append("Missing coordinates")
    if creating or given("sector_uuid"):
        sector = payload.get("sector_uuid")
        if _blank(sector) or not re.fullmatch(SECTOR_PATTERN, str(sector)):
            problems.setdefault("sector", []).append("Missing sector")
        else:
            values["sector"] = str(sector)
    for name in ("employer_website", "lunch_break"):
        if given(name):
            values[name] = None if _blank(payload[name]) else str(payload[name]).strip()
    if values.get("employer_website") and not _URL.match(values["employer_website"]):
        problems.setdefault("employer_website", []).append("is invalid")
    if creating or given("max_candidates"):
        raw = payload.get("max_candidates", 1)
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 6000:
            problems.setdefault("max_candidates", []).append("must be between 1 and 6000")
        else:
            values["max_candidates"] = raw
    for name in ("is_public", "rep", "qpv", "handicap_accessible"):
        if creating or given(name):
            raw = payload.get(name, False)
            if not isinstance(raw, bool):
                problems.setdefault(name, []).append("must be true or false")
            else:
                values[name] = raw
    if given("daily_hours"):
        values["daily_hours"] = _daily_hours(payload["daily_hours"], problems)
    if creating or given("published_at"):
        values["published_at"] = _published_at(payload.get("published_at", _UNSET), problems)
    if problems:
        raise partner_errors.validation_error(problems)

    if creating or given("grades") or given("weeks"):
        grades = payload.get("grades") or ["troisieme"]
        if not isinstance(grades, list) or any(grade not in GRADES for grade in grades):
            raise partner_errors.validation_error({"grades": ["must be among quatrieme, troisieme, seconde"]})
        if "seconde" in grades and any(grade in COLLEGE_GRADES for grade in grades):
            raise partner_errors.wrong_params("Grades must be either college or lycee, not both")
        weeks = _weeks(payload.get("weeks"))
        values["grades"] = sorted(set(grades), key=GRADES.index)
        year = SchoolYear.current(today)
        if "seconde" in grades:
            period = year.seconde
            if [period.week_1, period.week_2] != weeks:
                raise partner_errors.wrong_params("All mandatory weeks must be included for seconde grade")
            values["seconde_period"], values["college_weeks"] = "two_weeks", None
        else:
            messages = college_week_problems([str(week) for week in weeks], year, today)
            if messages:
                raise partner_errors.validation_error({"weeks": messages})
            values["seconde_period"], values["college_weeks"] = None, [str(week) for week in weeks]
    return values


def _daily_hours(raw: Any, problems: dict[str, list[str]]) -> dict[str, list[str]]:
    hours: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        problems.setdefault("daily_hours", []).append("is invalid")
        return hours
    for day, span in raw.items():
        try:
            if day not in DAYS or not isinstance(span, list) or len(span) != 2:
                raise ValueError
            start, end = normalize_time(str(span[0])), normalize_time(str(span[1]))
            if start >= end:
                raise ValueError
            hours[day] = [start, end]
        except ValueError:
            problems.setdefault("daily_hours", []).append(f"{day}: is invalid")
    return hours


def _published_at(raw: Any, problems: dict[str, list[str]]) -> datetime | object | None:
    """``_UNSET`` when absent (publish now), None to unpublish, else the given instant."""
    if raw is _UNSET or raw is None:
        return raw
    try:
        instant = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        problems.setdefault("published_at", []).append("is invalid")
        return None
    if instant.tzinfo is None:
        problems.setdefault("published_at", []).append("must have a time zone")
        return None
    return instant


UNSET = _UNSET
