"""The translation table between the partner API v2 and the v1 offer command, both ways.

Payload → command: each field of the national API's payload and its path in the v1 command
(``V1_PATH``; ``coordinates``, ``grades`` and ``weeks`` are shaped by ``partner_payload``).

Errors → national API: v1 checks the command and says what is wrong by v1 field, in French.
The partner client gets, as the national platform's samples (``api-v2-samples``) show:

=============================================  ============================================
v1                                             v2
=============================================  ============================================
pydantic error of a field (v1: 422            400 ``VALIDATION_ERROR``, ``{v2 field:
``VALIDATION_ERROR``)                          [messages]}``: ``V2_MESSAGES``'s English
                                               text where the samples show one ("Missing
                                               title"), v1's French one otherwise (the
                                               national platform too answers its model's
                                               checks in French: "doit être rempli(e)")
``rules.offer_problems`` (v1: 422              400 ``VALIDATION_ERROR``, the v2 field, v1's
``VALIDATION_ERROR``)                          French message
(v2 only) a week not ``YYYY-Www``              422 ``BAD_ARGUMENT`` ``BAD_WEEK_FORMAT``
(v2 only) grades of collège and lycée          422 ``WRONG_PARAMS`` ``MIXED_GRADES``
(v2 only) seconde without both weeks           422 ``WRONG_PARAMS`` ``SECONDE_WEEKS_MISSING``
=============================================  ============================================

A blank value (null, empty or spaces) is a missing one, as the national API counts it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from services.common.validation import CROSS_FIELD_ERROR, french_message

# The v2 payload's fields → their path in the v1 command (``partner_payload.PartnerOfferBody``).
V1_PATH: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description",),
    "sector_uuid": ("sector",),
    "employer_name": ("employer", "name"),
    "employer_description": ("employer", "description"),
    "employer_website": ("employer", "website"),
    "is_public": ("employer", "is_public"),
    "street": ("place", "street"),
    "zipcode": ("place", "zipcode"),
    "city": ("place", "city"),
    "max_candidates": ("max_candidates",),
    "daily_hours": ("daily_hours",),
    "lunch_break": ("lunch_break",),
    "rep": ("reserved_for", "rep"),
    "qpv": ("reserved_for", "qpv"),
    # Only partners' offers have these.
    "remote_id": ("remote_id",),
    "permalink": ("permalink",),
    "handicap_accessible": ("handicap_accessible",),
    "published_at": ("published_at",),
}

# A v1 path (or its start) → the field the national API names in its errors.
V2_FIELD: dict[str, str] = {
    **{".".join(path): name for name, path in V1_PATH.items()},
    "sector": "sector",  # sent as sector_uuid, reported as sector (samples)
    "place.latitude": "coordinates",
    "place.longitude": "coordinates",
    "grades": "grades",
    "college_weeks": "weeks",
    "seconde_period": "weeks",
    # More than one public (REP and QPV): the grades then refuse one of them as well.
    "reserved_for": "rep",
}

# (v2 field, v1 error type) → the national API's messages; "*" stands for any field or type.
# ``{field}``: the v2 field; ``{Field}``: it as a title ("Employer name"); others from v1's error.
V2_MESSAGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("*", "missing"): ("Missing {field}",),
    ("employer_description", "missing"): ("doit être rempli(e)",),
    ("zipcode", "missing"): ("Missing zipcode", "is invalid"),
    ("zipcode", "string_pattern_mismatch"): ("is invalid",),
    ("coordinates", "*"): ("Missing coordinates",),
    ("sector", "*"): ("Missing sector",),
    ("*", "string_too_long"): ("{Field} too long, allowed up to {max_length} chars",),
}

# The order of the fields in the national API's answer (create/bad_request.json); others after.
V2_FIELD_ORDER = ("zipcode", "coordinates", "title", "description", "street", "city", "sector", "employer_name",
                  "remote_id", "permalink", "employer_description")  # fmt: skip

BAD_WEEK_FORMAT = "bad week format: {week}, expecting ISO 8601 format"
MIXED_GRADES = "Grades must be either college or lycee, not both"
SECONDE_WEEKS_MISSING = "All mandatory weeks must be included for seconde grade"


def v2_field(path: str) -> str:
    """The v2 field of a v1 path: of its longest start in ``V2_FIELD`` (``daily_hours.lundi``
    → ``daily_hours``); a path the table does not know is kept."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        name = V2_FIELD.get(".".join(parts[:end]))
        if name is not None:
            return name
    return path


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def v2_messages(field: str, kind: str, french: str, context: dict[str, Any] | None = None) -> tuple[str, ...]:
    """What the national API says for a v1 error of type ``kind`` on v2 ``field``."""
    for key in ((field, kind), (field, "*"), ("*", kind)):
        templates = V2_MESSAGES.get(key)
        if templates is not None:
            words = {**(context or {}), "field": field, "Field": field.replace("_", " ").capitalize()}
            return tuple(template.format(**words) for template in templates)
    return (french,)


def _ordered(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    rank = {name: index for index, name in enumerate(V2_FIELD_ORDER)}
    return {name: fields[name] for name in sorted(fields, key=lambda name: rank.get(name, len(rank)))}


def _add(fields: dict[str, list[str]], field: str, messages: tuple[str, ...]) -> None:
    known = fields.setdefault(field, [])
    known.extend(message for message in messages if message not in known)


def v2_fields_of(exc: ValidationError) -> dict[str, list[str]]:
    """The v1 command's pydantic errors as the national API's ``{field: [messages]}``."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in error["loc"] if part != "[key]")
        if error["type"] == CROSS_FIELD_ERROR:
            for name, message in error["ctx"]["fields"]:
                _add(fields, v2_field(f"{loc}.{name}" if loc else name), (message,))
            continue
        # A blank value is a missing one; "missing" errors' input is the enclosing object.
        kind = "missing" if error["type"] != "missing" and _blank(error.get("input")) else error["type"]
        field = v2_field(loc)
        _add(fields, field, v2_messages(field, kind, french_message(error), error.get("ctx")))
    return _ordered(fields)


def v2_fields(problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """v1's ``{path: [French messages]}`` (rules, unstorable values) under the v2 fields."""
    fields: dict[str, list[str]] = {}
    for path, messages in problems.items():
        _add(fields, v2_field(path), tuple(messages))
    return _ordered(fields)
