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


def test_bodies_document_what_the_gateway_refuses_before_validating(document):
    for name, operation in operations(document):
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= set(operation["responses"]), name


def test_every_integer_has_the_bounds_the_validation_enforces(document):
    schemas = list(integer_schemas(document))
    assert len(schemas) > 50
    for schema in schemas:
        assert schema["maximum"] <= MAX_INTEGER and schema["minimum"] >= -MAX_INTEGER, schema
