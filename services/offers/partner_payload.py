"""The partner API v2 offer payload, turned into the v1 command: ``PartnerOfferBody``.

``PartnerOfferBody`` is ``OfferBody`` (the body hosts send through /api/v1 and the web form,
with all its checks, and ``rules.offer_problems`` after it) plus what only partners' offers
carry. Three parts of a host's offer do not exist in the national API, so a partner's offer
goes without them: the employer's SIRET, the daily hours (optional) and the lunch break
(optional). Errors come back in v1's terms; ``partner_translation`` gives them the national
API's codes, fields and messages. No storage and no bus here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, AwareDatetime, Field, HttpUrl, TypeAdapter, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from services.common import partner_errors
from services.common.contracts.offers import COLLEGE_GRADES, DailyHours, Employer, OfferBody
from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear, Week
from services.common.validation import unstorable_values
from services.offers.partner_translation import (
    BAD_WEEK_FORMAT,
    MIXED_GRADES,
    SECONDE_WEEKS_MISSING,
    V1_PATH,
    v2_fields,
    v2_fields_of,
    v2_messages,
)
from services.offers.rules import offer_problems

GRADES = ("quatrieme", "troisieme", "seconde")
_URL = TypeAdapter(HttpUrl)
# What a partner's offer is when the payload that creates it does not say (the national API's defaults).
CREATION_DEFAULTS: dict[str, Any] = {
    "max_candidates": 1,
    "is_public": False,
    "rep": False,
    "qpv": False,
    "handicap_accessible": False,
    "grades": ["troisieme"],
}


def _url_text(value: str) -> str:
    """An address checked as v1 checks one (``HttpUrl``), kept as the partner wrote it: the
    national API answers it unchanged (``http://google.fr``, not ``http://google.fr/``)."""
    try:
        _URL.validate_python(value)
    except ValidationError:
        raise PydanticCustomError("url_parsing", "Adresse web invalide.") from None
    return value


UrlText = Annotated[str, Field(max_length=500), AfterValidator(_url_text)]


class PartnerEmployer(Employer):
    """The employer of a partner's offer: no SIRET (the national API has none), a description."""

    siret: None = None  # type: ignore[assignment]
    description: str = Field(min_length=1, max_length=1500)
    website: UrlText | None = None  # type: ignore[assignment]

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: None) -> None:  # type: ignore[override]
        return value


class PartnerOfferBody(OfferBody):
    """A partner's offer as the v1 command, with the fields only partners' offers have."""

    employer: PartnerEmployer
    daily_hours: DailyHours = Field(default_factory=dict)
    lunch_break: str | None = Field(default=None, min_length=8, max_length=250)  # type: ignore[assignment]
    remote_id: str = Field(min_length=1, max_length=200)
    permalink: UrlText
    handicap_accessible: bool = False
    # Absent: published now; null: unpublished; an instant: published then.
    published_at: AwareDatetime | None = None


class Command(NamedTuple):
    """The checked command and whether the payload said anything of publication."""

    body: PartnerOfferBody
    says_publication: bool


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _put(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        body = body.setdefault(key, {})
    body[path[-1]] = value


def _weeks(raw: Any) -> list[Week]:
    if not isinstance(raw, list) or not raw:
        raise partner_errors.validation_error({"weeks": list(v2_messages("weeks", "missing", ""))})
    weeks = []
    for text in raw:
        try:
            weeks.append(Week.parse(str(text)))
        except ValueError:
            raise partner_errors.bad_argument(BAD_WEEK_FORMAT.format(week=text)) from None
    return sorted(set(weeks))


def _grades_and_weeks(grades: Any, raw_weeks: Any, today: date) -> dict[str, Any]:
    """The v1 ``grades``, ``college_weeks`` and ``seconde_period`` of v2's grades and weeks.

    Raises what the national API checks before anything else of the offer: the weeks' format
    and presence, grades mixing collège and lycée, a seconde offer without both weeks of the
    period (v1's form may take either week alone; the national API may not).
    """
    if not isinstance(grades, list) or any(grade not in GRADES for grade in grades):
        # v1 names the unknown grade; the weeks wait for grades it can read.
        return {"grades": grades}
    if "seconde" in grades and any(grade in COLLEGE_GRADES for grade in grades):
        raise partner_errors.wrong_params(MIXED_GRADES)
    weeks = _weeks(raw_weeks)
    if "seconde" in grades:
        period = SchoolYear.current(today).seconde
        if [period.week_1, period.week_2] != weeks:
            raise partner_errors.wrong_params(SECONDE_WEEKS_MISSING)
        return {"grades": grades, "seconde_period": "two_weeks", "college_weeks": None}
    return {"grades": grades, "seconde_period": None, "college_weeks": [str(week) for week in weeks]}


def _validated(body: dict[str, Any]) -> PartnerOfferBody:
    try:
        command = PartnerOfferBody.model_validate(body)
    except ValidationError as exc:
        raise partner_errors.validation_error(v2_fields_of(exc)) from None
    unstorable = unstorable_values(command)
    if unstorable:
        raise partner_errors.validation_error(v2_fields(unstorable))
    return command


def command_of(payload: Any, stored: dict[str, Any] | None, today: date, approved: int = 0) -> Command:
    """The v1 command of ``payload`` (``{"internship_offer": {...}}``'s inside).

    ``stored``: None to create; to update, the offer's v1 body (``offer_mapping.body_of``)
    and its partner fields, which the payload's fields replace; ``approved``: its pupils
    already approved (its seats may not go below). Raises the national API's
    errors, in its order: VALIDATION_ERROR for the fields one by one, then BAD_ARGUMENT or
    WRONG_PARAMS for the weeks and grades, then VALIDATION_ERROR for v1's rules
    (``rules.offer_problems``: past weeks, reservations that do not fit the grades...).
    """
    if not isinstance(payload, dict) or not payload:
        raise partner_errors.bad_payload()
    creating = stored is None
    given = {**CREATION_DEFAULTS, **payload} if creating else payload
    body: dict[str, Any] = {} if stored is None else dict(stored)
    for part in ("employer", "place", "reserved_for"):
        body[part] = dict(body.get(part) or {})
    for name, path in V1_PATH.items():
        if name in given:
            _put(body, path, given[name])
    # Sent empty, or stored empty (a partner's offer without a lunch break): none.
    if _blank(body["employer"].get("website")):
        body["employer"]["website"] = None
    if _blank(body.get("lunch_break")):
        body["lunch_break"] = None
    if "coordinates" in given:
        coordinates = given["coordinates"] if isinstance(given["coordinates"], dict) else {}
        body["place"]["latitude"] = coordinates.get("latitude")
        body["place"]["longitude"] = coordinates.get("longitude")

    weeks_error: DomainError | None = None
    if creating or "grades" in given or "weeks" in given:
        grades = given.get("grades") or (body.get("grades") if not creating else None) or ["troisieme"]
        try:
            body.update(_grades_and_weeks(grades, given.get("weeks"), today))
        except DomainError as exc:  # told once the fields one by one are right
            weeks_error = exc
            body.setdefault("grades", ["troisieme"])
    command = _validated(body)
    if weeks_error is not None:
        raise weeks_error
    problems = offer_problems(command, today, approved)
    if problems:
        raise partner_errors.validation_error(v2_fields(problems))
    return Command(command, "published_at" in payload)
