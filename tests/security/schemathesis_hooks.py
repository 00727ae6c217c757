"""schemathesis hooks (``SCHEMATHESIS_HOOKS``): how to generate what the OpenAPI document names
but JSON Schema cannot say, so that a request valid by the document is one a client would send.

- The custom string formats of ``services.common.contracts.formats``: a SIRET with its Luhn
  key, a UAI of the platform's directory (``E1S_FUZZ_UAIS``, given by the test: a school the
  directory does not hold is refused, and the document says « de l'annuaire »), a French
  phone number, an ISO week of the current school year still to come.
- Rules the document states in words across fields or parameters, applied to the positive part
  of a case only (a negative part stays as generated): a day's times follow each other and
  obey the working-time rules for minors (``daily_hours``' description); a point's latitude
  comes with its longitude, and the offer search of anyone but a pupil gives one; in June,
  when no collège week is left to choose, an offer's weeks are « all_year » (a partner's
  offer, which has no « all_year », is then a seconde offer).
- The partner API v2's offers: each offer published has a ``remote_id`` of its own, a change
  keeps the path's.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
import string
from typing import Any

import schemathesis
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi.checks import RejectedPositiveData

from services.common.contracts.formats import IMAGE_FORMAT, PHONE_FORMAT, SIRET_FORMAT, UAI_FORMAT, WEEK_FORMAT
from services.common.identifiers import LA_POSTE_SIREN, is_valid_siret, normalize_phone
from services.common.school_calendar import SchoolYear, Week, today_in_paris

_UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _with_luhn_key(digits: str) -> str:
    """``digits`` (13) and the check digit that makes the 14 pass the Luhn test."""
    for key in string.digits:
        if is_valid_siret(digits + key):
            return digits + key
    raise AssertionError("a Luhn key always exists")


def _sirets() -> st.SearchStrategy[str]:
    thirteen = st.text(string.digits, min_size=13, max_size=13).filter(lambda d: not d.startswith(LA_POSTE_SIREN))
    return thirteen.map(_with_luhn_key)


def _uais() -> st.SearchStrategy[str]:
    known = [uai for uai in os.environ.get("E1S_FUZZ_UAIS", "").split(",") if uai]
    if known:
        return st.sampled_from(known)
    seven = st.text(string.digits, min_size=7, max_size=7)
    return seven.map(lambda digits: digits + _UAI_LETTERS[int(digits) % 23])


def _phones() -> st.SearchStrategy[str]:
    """French mobiles (overseas ones included) as people write them: ``06 12 34 56 78``,
    ``0712345678``, or international (``+33612345678``, ``+596696…``)."""
    national = st.tuples(st.sampled_from("67"), st.text(string.digits, min_size=8, max_size=8)).map(
        lambda parts: "0" + parts[0] + parts[1]
    )
    national = national.filter(lambda number: normalize_phone(number) is not None)
    spaced = national.map(lambda number: " ".join(number[i : i + 2] for i in range(0, 10, 2)))
    international = national.map(normalize_phone)
    return st.one_of(national, spaced, international)


def _emails() -> st.SearchStrategy[str]:
    """Addresses mail can reach: email-validator, behind ``EmailStr``, refuses the special-use
    domains (``.test``, ``.local``, RFC 6761) that schemathesis' own ``email`` strategy draws."""
    name = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    local = st.tuples(name, st.sampled_from(["", ".", "-", "_", "+"]), name).map("".join)
    domain = st.tuples(name, st.sampled_from(["fr", "com", "org", "re", "gouv.fr"])).map(".".join)
    return st.tuples(local, domain).map("@".join)


def _signature_images() -> st.SearchStrategy[str]:
    """Small drawings, PNG or JPEG, as a browser's canvas gives them."""

    def data_url(kind: str, width: int, height: int) -> str:
        image = Image.new("RGB", (width, height), "white")
        ImageDraw.Draw(image).line((0, 0, width - 1, height - 1), fill="black", width=2)
        buffer = io.BytesIO()
        image.save(buffer, kind)
        return f"data:image/{kind.lower()};base64,{base64.b64encode(buffer.getvalue()).decode()}"

    return st.builds(data_url, st.sampled_from(["PNG", "JPEG"]), st.integers(20, 300), st.integers(10, 120))


_TODAY = today_in_paris()
_YEAR = SchoolYear.current(_TODAY)
# The collège weeks still to come (none in June: the year's last one ends before 1 June).
_UPCOMING = [str(week) for week in _YEAR.college_weeks() if week > Week.of(_TODAY)]
# The seconde period takes new offers until its last Friday (the last Friday of June).
_SECONDE_OPEN = _YEAR.seconde.week_2.friday >= _TODAY


def _weeks() -> st.SearchStrategy[str]:
    # as hosts' forms and partners write them: ``2027-W04`` or ``2027-W4``
    weeks = st.sampled_from(_UPCOMING or [str(week) for week in _YEAR.college_weeks()])
    return weeks.flatmap(lambda week: st.sampled_from([week, Week.parse(week).unpadded()]))


schemathesis.openapi.format(SIRET_FORMAT, _sirets())
schemathesis.openapi.format(UAI_FORMAT, _uais())
schemathesis.openapi.format(PHONE_FORMAT, _phones())
schemathesis.openapi.format(WEEK_FORMAT, _weeks())
schemathesis.openapi.format("email", _emails())
schemathesis.openapi.format(IMAGE_FORMAT, _signature_images())

# Lawful days for a minor (at most 7 h, a break within 4 h 30, between 6 h and 20 h), short
# enough that six of them stay within 35 h a week.
_LAWFUL_DAYS = (
    ["09:00", "12:00", "13:00", "15:30"],
    ["8:30", "12:00", "13:30", "15:00"],
    ["14:00", "17:00"],
    ["09:00", "13:00"],
)
_PARIS = {"latitude": 48.8566, "longitude": 2.3522}
# The offer search takes the pupil's school for a missing place; anyone else must give one.
_PLACE_REQUIRED = ("/api/v1/offers/search",)
# The partner API v2's offer bodies: ``{"internship_offer": {...}}``.
_PARTNER_OFFER = "internship_offer"
_SECONDE_WEEKS = [_YEAR.seconde.week_1.unpadded(), _YEAR.seconde.week_2.unpadded()]
_REMOTE_IDS = itertools.count(1)


def _positive(case: Any, location: ParameterLocation) -> bool:
    component = case.meta.components.get(location) if case.meta is not None else None
    return component is not None and component.mode == GenerationMode.POSITIVE


def _lawful_days(days: list[str]) -> st.SearchStrategy[dict[str, list[str]]]:
    return st.fixed_dictionaries({day: st.sampled_from(_LAWFUL_DAYS).map(list) for day in days})


@schemathesis.hook
def flatmap_case(context: Any, case: Any) -> st.SearchStrategy[Any]:
    """A positive query's point whole; the positive body's ``daily_hours`` drawn among lawful days
    (and its collège weeks « all_year » when no week is left to choose)."""
    if _positive(case, ParameterLocation.QUERY) and isinstance(case.query, dict):
        given = [name for name in _PARIS if case.query.get(name) not in (None, "")]
        if len(given) == 1 or (not given and case.operation.path in _PLACE_REQUIRED):
            case.query = {**case.query, **{name: value for name, value in _PARIS.items() if name not in given}}
    body = case.body
    if not (_positive(case, ParameterLocation.BODY) and isinstance(body, dict)):
        return st.just(case)
    if isinstance(body.get(_PARTNER_OFFER), dict):
        return _partner_offer(case)
    if not _UPCOMING and isinstance(body.get("college_weeks"), list):
        # no week to come can be chosen: the whole year is what a host may offer then
        body = case.body = {**body, "college_weeks": "all_year"}
    if not _SECONDE_OPEN and "seconde" in (body.get("grades") if isinstance(body.get("grades"), list) else []):
        # the seconde period is over (from the last Friday of June to 30 June): a collège offer then
        reserved = {**body["reserved_for"], "qpv": False} if isinstance(body.get("reserved_for"), dict) else None
        body = case.body = {**body, "grades": ["troisieme"], "seconde_period": None, "college_weeks": "all_year"}
        if reserved is not None:
            body["reserved_for"] = reserved
    reserved = body.get("reserved_for")
    if isinstance(reserved, dict) and reserved.get("school_uais") and reserved.get("school_uai") is not None:
        # ``school_uai`` is the first of ``school_uais`` (its description), never another school
        body = case.body = {**body, "reserved_for": {**reserved, "school_uai": reserved["school_uais"][0]}}
    if isinstance(body.get("daily_hours"), dict):

        def with_hours(hours: dict[str, list[str]]) -> Any:
            case.body = {**body, "daily_hours": hours}
            return case

        return _lawful_days(list(body["daily_hours"])).map(with_hours)
    return st.just(case)


def _partner_offer(case: Any) -> st.SearchStrategy[Any]:
    """A partner's offer as the document says it in words: a ``remote_id`` of its own for each
    offer published (one the operator has already is a 409), the path's when changing one (it
    cannot change), each day's times following each other; seconde when no collège week is left."""
    offer = dict(case.body[_PARTNER_OFFER])
    if "remote_id" in offer and case.method.upper() == "PATCH" and isinstance(case.path_parameters, dict):
        offer["remote_id"] = case.path_parameters.get("remote_id", offer["remote_id"])
    if not _UPCOMING and isinstance(offer.get("weeks"), list) and "seconde" not in offer.get("grades", []):
        offer.update(grades=["seconde"], weeks=_SECONDE_WEEKS, rep=False)
    days = list(offer["daily_hours"]) if isinstance(offer.get("daily_hours"), dict) else []
    publishing = case.method.upper() == "POST"

    def completed(hours: dict[str, list[str]]) -> Any:
        # counted, not random: a run with the same seed sends the same ones
        remote_id = f"fuzz-{next(_REMOTE_IDS)}" if publishing else None
        case.body = {
            **case.body,
            _PARTNER_OFFER: {
                **offer,
                **({"daily_hours": hours} if days else {}),
                **({"remote_id": remote_id} if remote_id else {}),
            },
        }
        return case

    return _lawful_days(days).map(completed)


# Fields whose validity is state the document cannot hold: a link's token must be one that was
# sent and not used yet, a space must be one of the caller's team. A valid-by-the-document
# request naming an unknown one is refused 422 on that field (the forms show the message
# beside it), like an id in a path answers 404.
STATE_FIELDS = frozenset({"token", "space_id", "move_to"})


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a positive case refused 422 on ``STATE_FIELDS`` only."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return True
    fields = (response.json() or {}).get("fields") or {}
    return not fields or not set(fields) <= STATE_FIELDS
