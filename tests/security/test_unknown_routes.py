"""A path the API has under other methods answers 405 with ``Allow``; an unknown one 404."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

import gateway.service  # noqa: F401  (declares every route)
from gateway.routing import allowed_methods, unknown_route_response

pytestmark = pytest.mark.unit


def answer(method: str, path: str, error_format: str = "v1"):
    request = Request(EnvironBuilder(path=path, method=method).get_environ())
    response = unknown_route_response(request, error_format)  # type: ignore[arg-type]
    return response.status_code, response.headers.get("Allow"), response.get_json()


def test_a_known_path_under_another_method_is_method_not_allowed():
    status, allow, body = answer("PUT", "/api/v1/offers/12")
    assert (status, allow) == (405, "DELETE, GET, PATCH")
    assert body["code"] == "METHOD_NOT_ALLOWED"
    assert body["message"] == "La méthode PUT n'est pas permise sur /api/v1/offers/12 (permises : DELETE, GET, PATCH)."


def test_the_partner_api_answers_in_its_format():
    status, allow, body = answer("PUT", "/api/v2/internship_offers", "v2")
    assert (status, allow) == (405, "GET, POST")
    assert body["code"] == "METHOD_NOT_ALLOWED" and "PUT" in body["error"]


def test_an_unknown_path_is_not_found():
    status, allow, body = answer("GET", "/api/v1/nulle-part")
    assert (status, allow, body["code"]) == (404, None, "NOT_FOUND")
    assert body["message"] == "Aucune route ne correspond à /api/v1/nulle-part."


def test_a_method_a_route_takes_is_not_refused():
    assert allowed_methods("/api/v1/offers/12", "GET") == []
    assert allowed_methods("/api/v1/auth/login", "GET") == ["POST"]
