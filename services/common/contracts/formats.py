"""What the OpenAPI document says of strings whose validity a JSON Schema pattern cannot say.

A SIRET's Luhn key, a UAI's letter, a French phone number, an ISO week, a drawn signature:
the document gives them a ``format`` of their own (``siret``, ``uai``, ``fr-phone``,
``iso-week``, ``image-data-url``), which a client reads as « this kind of value » and a
fuzzer can be taught to generate
(``tests/security/schemathesis_hooks.py``). The validators stay where they are (the models'
field validators): these annotations change the document, not what is accepted.

Free text is stripped before its length is checked (``str_strip_whitespace``), and no string
may hold a NUL character (``services.common.validation.unstorable_values``): ``text_pattern``
says both in the document.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import WithJsonSchema

SIRET_FORMAT = "siret"
UAI_FORMAT = "uai"
PHONE_FORMAT = "fr-phone"
WEEK_FORMAT = "iso-week"
IMAGE_FORMAT = "image-data-url"

# What pydantic's ``str_strip_whitespace`` strips (Unicode White_Space), as a regex class body;
# Python's ``str.isspace`` also counts U+001C to U+001F, which pydantic keeps.
STRIPPED = "\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# Any character but NUL (PostgreSQL cannot store it); and any but NUL or a stripped one.
_KEPT = "[^\\u0000]"
_SHOWN = f"[^\\u0000{STRIPPED}]"
_EDGE = f"[{STRIPPED}]*"


# A convention's addresses: loose on purpose (they name people, not accounts), with the same
# whitespace in every regex engine (``\s`` differs between Rust's, Python's and ECMAScript's).
_ADDRESS_PART = f"[^@\\u0000{STRIPPED}]+"
EMAIL_PATTERN = f"^{_ADDRESS_PART}@{_ADDRESS_PART}\\.{_ADDRESS_PART}$"


def text_pattern(min_length: int, stripped: bool) -> str:
    """The pattern of a text of at least ``min_length`` characters once stripped (when
    ``stripped``), without a NUL character."""
    if not stripped or min_length == 0:
        return f"^{_KEPT}*$"
    if min_length == 1:
        return f"^{_KEPT}*{_SHOWN}{_KEPT}*$"
    return f"^{_EDGE}{_SHOWN}{_KEPT}{{{min_length - 2},}}{_SHOWN}{_EDGE}$"


def _documented(format_name: str, **schema: Any) -> WithJsonSchema:
    # Requests only: answers keep their plain types (a partner's offer has no SIRET to check).
    return WithJsonSchema({"type": "string", "format": format_name, **schema}, mode="validation")


Siret = Annotated[str, _documented(SIRET_FORMAT, description="SIRET : 14 chiffres dont la clé de Luhn.")]
Uai = Annotated[
    str,
    _documented(UAI_FORMAT, description="UAI d'un établissement de l'annuaire : 7 chiffres et la lettre de contrôle."),
]
FrenchPhone = Annotated[
    str, _documented(PHONE_FORMAT, description="Numéro français (outre-mer compris), national ou +33….")
]
IsoWeek = Annotated[
    str,
    _documented(WEEK_FORMAT, description="Semaine ISO (2026-W03, ou 2026-W3) de l'année scolaire en cours, à venir."),
]
# A time of day, ``09:00`` or ``9:00`` (``working_time.normalize_time``).
_TIME_OF_DAY = {"type": "string", "pattern": f"^{_EDGE}([01]?\\d|2[0-3]):[0-5]\\d{_EDGE}$"}
# A day's schedule: [arrival, departure] or [arrival, break start, break end, departure]; that
# the times follow each other, and the rules for minors, are said in the field's description.
DaySchedule = Annotated[
    list[str],
    WithJsonSchema(
        {"anyOf": [{"type": "array", "items": _TIME_OF_DAY, "minItems": count, "maxItems": count} for count in (2, 4)]},
        mode="validation",
    ),
]
# The drawn signature: a PNG or JPEG ``data:`` URL (``services.conventions.signature_images``).
SignatureImage = Annotated[
    str, _documented(IMAGE_FORMAT, description="Image PNG ou JPEG en data URL : data:image/png;base64,…")
]
