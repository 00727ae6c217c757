"""The partner API v2's offer bodies as documented (``contracts.partner_offers``) and as parsed
(``partner_payload.command_of``): a payload is valid by the document exactly when it is accepted,
at each field's bounds as the document gives them and for the rules between fields."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gateway.openapi import RequestSchema
from services.common.contracts.partner_offers import (
    PartnerOfferChangesPayload,
    PartnerOfferFields,
    PartnerOfferPayload,
)
from services.common.errors import DomainError
from services.offers.partner_payload import command_of
from services.offers.partner_translation import V1_PATH
from tests.support.partner import partner_payload, seconde_weeks
from tests.support.school_weeks import FIXED_TODAY

pytestmark = pytest.mark.unit

TODAY = FIXED_TODAY


def _validator(model: Any) -> Draft202012Validator:
    return Draft202012Validator(model.model_json_schema(schema_generator=RequestSchema))


CREATE = _validator(PartnerOfferPayload)
CHANGE = _validator(PartnerOfferChangesPayload)
FIELDS = PartnerOfferPayload.model_json_schema(schema_generator=RequestSchema)["$defs"]["PartnerOfferFields"]


def accepted(payload: dict[str, Any], stored: dict[str, Any] | None = None) -> bool:
    try:
        command_of(payload, stored, TODAY)
    except DomainError:
        return False
    return True


def agree(payload: dict[str, Any], stored: dict[str, Any] | None = None) -> tuple[bool, bool]:
    """(valid by the document, accepted by the parsing)."""
    validator = CREATE if stored is None else CHANGE
    return validator.is_valid({"internship_offer": payload}), accepted(payload, stored)


def bounds(name: str, schema: dict[str, Any]) -> list[tuple[Any, bool]]:
    """Values at and beyond the bounds ``schema`` gives ``name``, each with whether it is valid."""
    values: list[tuple[Any, bool]] = []
    if schema.get("type") == "string" and "maxLength" in schema:
        start = "https://e.fr/" if schema.get("format") == "uri" else ""
        longest = start + "x" * (schema["maxLength"] - len(start))
        values += [(longest, True), (longest + "x", False)]
    if schema.get("type") == "string" and schema.get("minLength"):
        values += [("x" * schema["minLength"], True), ("x" * (schema["minLength"] - 1), False)]
        values += [(" " * schema["minLength"], False), (" x" + "\x00" * schema["minLength"], False)]
    if schema.get("type") == "integer":
        values += [(schema["minimum"], True), (schema["minimum"] - 1, False)]
        values += [(schema["maximum"], True), (schema["maximum"] + 1, False)]
    return values


def test_the_documented_fields_are_those_the_parsing_reads():
    assert set(PartnerOfferFields.model_fields) == set(V1_PATH) | {"coordinates", "grades", "weeks"}


def test_each_field_is_refused_beyond_the_bounds_the_document_gives_and_accepted_within():
    checked = 0
    for name, schema in FIELDS["properties"].items():
        for value, valid in bounds(name, schema):
            if name == "remote_id" and valid:
                continue
            assert agree(partner_payload(today=TODAY, **{name: value})) == (valid, valid), (name, value)
            checked += 1
    for name in FIELDS["required"]:
        payload = partner_payload(today=TODAY, remote_id="r", permalink="https://e.fr/1")
        payload.pop(name)
        assert agree(payload) == (False, False), name
        checked += 1
    assert checked > 40


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({"grades": ["quatrieme", "troisieme"]}, True),
        ({"grades": []}, True),  # troisieme, as the national API
        ({"grades": ["troisieme", "seconde"]}, False),
        ({"grades": ["seconde"], "weeks": "seconde"}, True),
        ({"grades": ["seconde"], "weeks": "week 1"}, False),
        ({"grades": ["seconde"]}, False),  # the collège weeks
        ({"weeks": "seconde"}, False),  # troisieme
        ({"rep": True}, True),
        ({"rep": True, "grades": ["seconde"], "weeks": "seconde"}, False),
        ({"qpv": True, "grades": ["seconde"], "weeks": "seconde"}, True),
        ({"qpv": True}, False),
        ({"qpv": True, "rep": True, "grades": ["seconde"], "weeks": "seconde"}, False),
        ({"employer_website": "https://e.fr/" + "x" * 487}, True),
        ({"employer_website": "https://e.fr/" + "x" * 488}, False),
        ({"employer_website": ""}, True),
        ({"employer_website": "  "}, True),
        ({"employer_website": None}, True),
        ({"lunch_break": ""}, True),
        ({"lunch_break": None}, True),
        ({"lunch_break": "12 h à 13 h"}, True),
        ({"lunch_break": "à midi"}, False),
        ({"published_at": None}, True),
        ({"published_at": "2026-09-01T09:00:00+02:00"}, True),
        ({"zipcode": "7500"}, False),
        ({"sector_uuid": "s52"}, False),
        ({"coordinates": {"latitude": 91, "longitude": 2.3}}, False),
        ({"coordinates": {"latitude": 48.8}}, False),
        ({"weeks": "none"}, False),
        ({"a_field_the_national_api_does_not_have": 1}, True),  # ignored, as there
    ],
)
def test_the_rules_between_fields_are_the_documents(changes, valid):
    weeks = {"seconde": seconde_weeks(TODAY), "week 1": seconde_weeks(TODAY)[:1], "none": []}
    if "weeks" in changes:
        changes = {**changes, "weeks": weeks[changes["weeks"]]}
    assert agree(partner_payload(today=TODAY, **changes)) == (valid, valid)


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({"title": "hellow"}, True),
        ({"published_at": None}, True),
        ({}, False),  # BAD_PAYLOAD
        ({"title": "x" * 151}, False),
        ({"title": None}, False),
        ({"grades": ["quatrieme"], "rep": False, "qpv": False}, False),  # grades come with their weeks
        ({"grades": ["seconde"], "weeks": seconde_weeks(TODAY), "rep": False, "qpv": True}, True),
        ({"grades": [], "weeks": seconde_weeks(TODAY), "rep": False, "qpv": False}, False),  # the offer's troisieme
    ],
)
def test_a_change_is_documented_as_it_is_parsed(changes, valid):
    stored = command_of(partner_payload(today=TODAY), None, TODAY).body.model_dump(
        mode="json", exclude={"published_at"}
    )
    assert agree(changes, stored) == (valid, valid)
