"""The OpenAPI document says what the gateway's input checks answer, so that generated calls
valid by the document are not refused for a reason it does not give."""

from __future__ import annotations

from typing import Any

import pytest

import gateway.service  # noqa: F401  (declares every route)
from gateway.openapi import build_document
from gateway.routing import MAX_ID, MAX_PAGE
from services.common.validation import MAX_INTEGER

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document("http://e1s.test")


def operations(document: dict[str, Any]):
    for path, methods in document["paths"].items():
        if path.startswith("/api/"):
            for method, operation in methods.items():
                yield f"{method.upper()} {path}", operation


def integer_schemas(node: Any):
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield node
        for child in node.values():
            yield from integer_schemas(child)
    elif isinstance(node, list):
        for child in node:
            yield from integer_schemas(child)


def test_ids_in_paths_are_bounded_and_may_be_not_found(document):
    checked = 0
    for name, operation in operations(document):
        for parameter in operation.get("parameters", ()):
            if parameter["in"] == "path" and parameter["schema"]["type"] == "integer":
                assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, MAX_ID), name
                assert "404" in operation["responses"], name
                checked += 1
    assert checked >= 25


def test_pages_are_capped_and_a_wrong_query_is_documented(document):
    pages = 0
    for name, operation in operations(document):
        query = [parameter for parameter in operation.get("parameters", ()) if parameter["in"] == "query"]
        if not query:
            continue
        assert {"400", "422"} & set(operation["responses"]), name
        for parameter in query:
            if parameter["name"] == "page":
                assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, MAX_PAGE), name
                pages += 1
    assert pages >= 6


def test_required_query_parameters_are_documented_as_required(document):
    suggestions = dict(operations(document))["GET /api/v1/places/suggestions"]
    required = {parameter["name"]: parameter["required"] for parameter in suggestions["parameters"]}
    assert required["q"] is True


# Their handler reads the body (the national API's errors): not JSON is a 422 BAD_PAYLOAD there, never a 415.
HANDLER_READS_THE_BODY = ("POST /api/v2/internship_offers", "PATCH /api/v2/internship_offers/{remote_id}")


def test_bodies_document_what_the_gateway_refuses_before_validating(document):
    for name, operation in operations(document):
        if name in HANDLER_READS_THE_BODY:
            assert {"400", "413", "422"} <= set(operation["responses"]) and "415" not in operation["responses"], name
        elif "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= set(operation["responses"]), name


def test_the_partner_offers_bodies_and_their_validation_error_are_documented(document):
    schemas = document["components"]["schemas"]
    for name in HANDLER_READS_THE_BODY:
        operation = dict(operations(document))[name]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rpartition("/")[2]
        assert schemas[body]["required"] == ["internship_offer"], name
        error = operation["responses"]["400"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/PartnerValidationErrorBody"}, name
    created = schemas["PartnerOfferFields"]
    assert set(created["required"]) == {
        "title", "description", "employer_name", "employer_description", "coordinates", "street", "zipcode",
        "city", "sector_uuid", "weeks", "remote_id", "permalink",
    }  # fmt: skip
    assert "required" not in schemas["PartnerOfferChanges"] and schemas["PartnerOfferChanges"]["minProperties"] == 1


def test_every_integer_has_the_bounds_the_validation_enforces(document):
    schemas = list(integer_schemas(document))
    assert len(schemas) > 50
    for schema in schemas:
        assert schema["maximum"] <= MAX_INTEGER and schema["minimum"] >= -MAX_INTEGER, schema


def request_schemas(document: dict[str, Any]) -> list[Any]:
    """Every schema a request is checked against: parameters, bodies and what they refer to."""
    found: list[Any] = []
    names: set[str] = set()
    stack: list[Any] = [
        [operation.get("parameters", []), operation.get("requestBody", {})] for _, operation in operations(document)
    ]
    while stack:
        node = stack.pop()
        found.append(node)
        refs = []
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"].rpartition("/")[2])
            # these add rules to a value that ``properties``, ``items``... describe already
            stack.extend(value for key, value in node.items() if key not in ("allOf", "if", "then", "else", "not"))
        elif isinstance(node, list):
            stack.extend(node)
        for name in refs:
            if name not in names:
                names.add(name)
                stack.append(document["components"]["schemas"][name])
    return found


def test_every_request_string_says_what_its_validator_accepts(document):
    """A text has a pattern (its length once stripped, no NUL), an enum or a format the fuzzer generates."""
    strings = [node for node in request_schemas(document) if isinstance(node, dict) and node.get("type") == "string"]
    assert len(strings) > 50
    assert [schema for schema in strings if not {"pattern", "enum", "const", "format"} & set(schema)] == []


def test_identifiers_have_the_formats_the_fuzzer_generates(document):
    schemas = document["components"]["schemas"]
    assert schemas["Employer-Input"]["properties"]["siret"]["format"] == "siret"
    assert schemas["SignupRequest"]["properties"]["school_uai"]["anyOf"][0]["format"] == "uai"
    assert schemas["SignatureCodeBody"]["properties"]["phone"]["format"] == "fr-phone"
    assert schemas["ApplicationBody"]["properties"]["weeks"]["items"]["format"] == "iso-week"
    assert schemas["SignBody"]["properties"]["signature_image"]["format"] == "image-data-url"
    [company] = [operation for name, operation in operations(document) if name == "GET /api/v1/companies/{siret}"]
    assert company["parameters"][0]["schema"]["format"] == "siret"


def test_answers_keep_their_plain_types(document):
    """The formats and rules describe what a request must be; an answer shows what was stored."""
    schemas = document["components"]["schemas"]
    assert "format" not in schemas["Employer-Output"]["properties"]["siret"] and "allOf" not in schemas["OfferOut"]
