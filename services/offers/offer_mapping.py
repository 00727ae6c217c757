"""One mapping between an offer's content (``OfferBody``) and its row (``Offer``).

Each field of the body is stored in the column of its name, a nested part's fields with the
part's prefix (``employer.name`` → ``employer_name``, ``place.city`` → ``city``): a new field
of the body needs its column and nothing here. The flat contracts other services read
(``OfferSnapshot``, ``OfferForApplication``) take every field named like a column the same way.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.common.contracts.offers import OfferBody
from services.offers.models import Offer

# The columns of a nested part of the body: its prefix.
_PREFIXES = {"employer": "employer_", "place": "", "reserved_for": "reserved_"}
# Fields of the body that are not stored: ``school_uai`` is the first of ``school_uais``.
_DERIVED = {("reserved_for", "school_uai")}
_COLUMNS = frozenset(Offer.__table__.columns.keys())


def _paths() -> list[tuple[tuple[str, ...], str]]:
    """Every stored field of the body: (its path in the body, its column)."""
    paths: list[tuple[tuple[str, ...], str]] = []
    for name, info in OfferBody.model_fields.items():
        part = info.annotation
        if name in _PREFIXES and isinstance(part, type) and issubclass(part, BaseModel):
            paths.extend(
                ((name, field), _PREFIXES[name] + field) for field in part.model_fields if (name, field) not in _DERIVED
            )
        else:
            paths.append(((name,), name))
    missing = [column for _, column in paths if column not in _COLUMNS]
    if missing:
        raise RuntimeError(f"offer fields without a column: {missing}")
    return paths


PATHS = _paths()
COLUMN_OF: dict[tuple[str, ...], str] = dict(PATHS)


def _copy(value: Any) -> Any:
    # JSON columns: the row must not share a list or a dict with the body (or another row).
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def body_of(offer: Offer) -> dict[str, Any]:
    """The offer in the shape of the body a host sends (``OfferBody``'s fields, in its order)."""
    body: dict[str, Any] = {}
    for path, column in PATHS:
        target = body
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = _copy(getattr(offer, column))
    reserved = body["reserved_for"]
    schools = reserved.pop("school_uais")
    # In the contract's order: ``school_uai`` before ``school_uais``.
    reserved["school_uai"], reserved["school_uais"] = (schools[0] if schools else None), schools
    return body


def apply(offer: Offer, body: OfferBody) -> None:
    """Store the body's content in the row (URLs as text, as the body's JSON shows them)."""
    content = body.model_dump(mode="json")
    for path, column in PATHS:
        value: Any = content
        for key in path:
            value = value[key]
        setattr(offer, column, _copy(value))


def flat_values(offer: Offer, contract: type[BaseModel]) -> dict[str, Any]:
    """The row's values of the ``contract``'s fields named like a column, and its first
    reserved school (``reserved_school_uai``); the caller adds what is computed."""
    values = {name: _copy(getattr(offer, name)) for name in contract.model_fields if name in _COLUMNS}
    if "reserved_school_uai" in contract.model_fields:
        values["reserved_school_uai"] = offer.reserved_school_uais[0] if offer.reserved_school_uais else None
    return values
