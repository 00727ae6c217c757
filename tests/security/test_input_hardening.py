"""Hostile input through the gateway: 4xx with a French message, never a 500, never a hang.

Ids and pages beyond 64 bits, bodies too large, too deep, not JSON or not UTF-8, strings no
column can keep, numbers too large or fractional: each answered by the gateway's routing or
the shared validation, in the v1 format or the partner API v2's.
"""

from __future__ import annotations

import re

import pytest
import requests

import gateway.service  # noqa: F401  (declares every route)
from gateway.routing import ROUTES
from tests.support.offers import offer_body

pytestmark = pytest.mark.e2e

BEYOND_64_BITS = str(2**70)
JSON = {"Content-Type": "application/json"}


def id_routes() -> list[tuple[str, str]]:
    """Every API route with an integer in its path: (method, rule with ``{id}`` for each integer)."""
    routes = []
    for spec in ROUTES:
        if spec.rule.startswith("/api/") and "<int:" in spec.rule:
            rule = re.sub(r"<int:[^>]+>", "{id}", spec.rule)
            routes.append((spec.method.split(",")[0], re.sub(r"<[^>]+>", "x", rule)))
    return routes


ID_ROUTES = id_routes()
LISTS = ["/api/v1/offers", "/api/v1/applications", "/api/v1/conventions", "/api/v1/favourites"]


def french(text: str) -> bool:
    return any(word in text for word in (" le ", " la ", " du ", " de ", " doit ", "Doit ", "Introuvable"))


@pytest.mark.parametrize("value", [BEYOND_64_BITS, "0", str(2**63)])
def test_an_id_that_cannot_exist_is_not_found_on_every_route(stack, host_auth, value):
    answers = {
        (method, rule): requests.request(
            method, stack.url + rule.format(id=value), headers={**host_auth, **JSON}, json={}, timeout=10
        )
        for method, rule in ID_ROUTES
    }
    statuses = {key: answer.status_code for key, answer in answers.items()}
    assert len(statuses) >= 25
    assert set(statuses.values()) == {404}, statuses
    for answer in answers.values():
        assert answer.json()["code"] == "NOT_FOUND"
        assert french(answer.json()["message"]), answer.text


def test_an_id_that_cannot_exist_is_a_not_found_page(stack):
    for path in (f"/offres/{BEYOND_64_BITS}", f"/mon-espace/offres/{BEYOND_64_BITS}"):
        answer = requests.get(stack.url + path, timeout=10, allow_redirects=False)
        assert answer.status_code == 404, path
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "Introuvable" in answer.text


def test_a_route_under_another_method_is_not_allowed_and_an_unknown_one_not_found(stack, host_auth):
    wrong_method = requests.delete(f"{stack.url}/api/v1/me", headers=host_auth, timeout=10)
    assert wrong_method.status_code == 405, wrong_method.text
    assert wrong_method.headers["Allow"] == "GET"
    assert wrong_method.json()["code"] == "METHOD_NOT_ALLOWED"
    assert "DELETE" in wrong_method.json()["message"]
    unknown = requests.get(f"{stack.url}/api/v1/nulle-part", headers=host_auth, timeout=10)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize("page", [BEYOND_64_BITS, str(2**62), "1000001", "0", "-1", "1.5"])
def test_a_page_out_of_bounds_is_refused_in_french(stack, host_auth, page):
    for path in LISTS:
        answer = requests.get(stack.url + path, params={"page": page}, headers=host_auth, timeout=10)
        assert answer.status_code == 422, (path, answer.text)
        body = answer.json()
        assert list(body["fields"]) == ["page"]
        assert body["fields"]["page"][0].startswith("Doit être"), body


def test_the_last_possible_page_is_an_empty_page(stack, host_auth):
    answer = requests.get(f"{stack.url}/api/v1/offers", params={"page": "1000000"}, headers=host_auth, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["results"] == []


def test_a_partner_page_out_of_bounds_answers_the_v2_format(stack, operator_auth):
    for page in (BEYOND_64_BITS, "0"):
        answer = requests.get(
            f"{stack.url}/api/v2/internship_offers", params={"page": page}, headers=operator_auth, timeout=10
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "VALIDATION_ERROR"
        assert answer.json()["error"]["page"][0].startswith("Doit être")


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [("/api/v1/auth/login", 400, "MALFORMED_JSON"), ("/api/v2/auth/login", 422, "BAD_PAYLOAD")],
)
def test_deep_nesting_is_a_bad_request(stack, path, status, code):
    for body in ("[" * 100_000, '{"a":' * 40 + "1" + "}" * 40):
        answer = requests.post(stack.url + path, data=body, headers=JSON, timeout=10)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
        message = answer.json().get("message") or answer.json()["error"]
        assert "imbriqué trop profondément" in message


def test_bodies_that_are_not_utf8_json_are_refused_in_french(stack):
    url = f"{stack.url}/api/v1/auth/login"
    not_utf8 = requests.post(url, data=b'{"email": "\xff@b.fr", "password": "x"}', headers=JSON, timeout=10)
    assert (not_utf8.status_code, not_utf8.json()["code"]) == (400, "MALFORMED_JSON")
    assert "UTF-8" in not_utf8.json()["message"]

    not_a_number = requests.post(url, data=b'{"email": NaN}', headers=JSON, timeout=10)
    assert (not_a_number.status_code, not_a_number.json()["code"]) == (400, "MALFORMED_JSON")

    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        wrong = requests.post(url, data=b'{"email": "a@b.fr"}', headers={"Content-Type": content_type}, timeout=10)
        assert (wrong.status_code, wrong.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
        assert content_type in wrong.json()["message"]


def test_a_body_over_the_limit_is_refused_without_reading_it(stack):
    answer = requests.post(f"{stack.url}/api/v1/auth/login", data=b"x" * (5 * 1024 * 1024), headers=JSON, timeout=10)
    assert (answer.status_code, answer.json()["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert "taille permise" in answer.json()["message"]


def test_strings_and_numbers_no_column_can_keep_are_refused_naming_the_field(stack, host_auth):
    url = f"{stack.url}/api/v1/offers"
    cases = [
        (offer_body(title="Au four\x00nil"), "title", "Ne doit pas contenir de caractère nul"),
        (offer_body(max_candidates=1.5), "max_candidates", "Doit être un nombre entier"),
        # its bound (6000) says it first; a field without one says "Nombre trop grand" (unit tests)
        (offer_body(max_candidates=2**70), "max_candidates", "Doit être inférieur ou égal à"),
    ]
    for body, field, words in cases:
        answer = requests.post(url, json=body, headers=host_auth, timeout=10)
        assert answer.status_code == 422, answer.text
        assert list(answer.json()["fields"]) == [field]
        assert answer.json()["fields"][field][0].startswith(words), answer.text
    surrogate = b'{"email": "\\ud800@b.fr", "password": "un-mot-de-passe"}'
    answer = requests.post(f"{stack.url}/api/v1/auth/login", data=surrogate, headers=JSON, timeout=10)
    assert answer.status_code == 422
    assert "demi-paire" in answer.json()["fields"]["email"][0]
    # nothing was stored
    assert requests.get(url, headers=host_auth, timeout=10).json()["total"] == 0


def test_an_invalid_email_is_explained_in_french(stack):
    body = {"email": "a@b", "password": "x" * 12, "first_name": "A", "last_name": "B", "role": "employer"}
    answer = requests.post(f"{stack.url}/api/v1/auth/signup", json=body, timeout=10)
    assert answer.status_code == 422
    assert answer.json()["fields"]["email"] == ["Adresse électronique invalide (format attendu : nom@domaine.fr)."]
