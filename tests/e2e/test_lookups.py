"""Address suggestions and company look-up through the gateway of a running platform, offline
(no ADDRESS_API_URL nor COMPANY_API_URL): what `make run` gives on a fresh machine."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e

DINUM = "13002526500013"


def test_the_gateway_builds_the_address_index_when_it_starts_without_any_look_up(stack, address_index):
    # Started by the warm-up thread, not by a look-up; how long it took is in the record.
    assert address_index["trigger"] == "warm-up"
    assert address_index["logger"] == "gateway.background_build"
    assert address_index["build_seconds"] >= 0
    assert list((stack.state_dir / "lookups").glob("communes-*.json"))


def test_places_are_suggested_offline_by_name_and_postal_code(stack, address_index):
    answer = requests.get(f"{stack.url}/api/v1/places/suggestions", params={"q": "lyon 6900", "limit": 3}, timeout=10)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [(result["label"], result["street"]) for result in results] == [
        ("Lyon 69003", ""),
        ("Lyon 69007", ""),
        ("Lyon 69008", ""),
    ]
    assert all(45.7 < result["latitude"] < 45.8 and 4.7 < result["longitude"] < 4.9 for result in results)

    accentless = requests.get(f"{stack.url}/api/v1/places/suggestions", params={"q": "nimes"}, timeout=10)
    assert accentless.json()["results"][0]["label"] == "Nîmes 30000"
    assert (stack.state_dir / "lookups").is_dir()


def test_a_suggestion_query_out_of_bounds_is_refused_naming_the_field(stack):
    answer = requests.get(f"{stack.url}/api/v1/places/suggestions", params={"q": "l", "limit": 20}, timeout=10)
    assert answer.status_code == 422
    assert answer.json()["code"] == "VALIDATION_ERROR"
    assert set(answer.json()["fields"]) == {"q", "limit"}


def test_company_look_up_offline_finds_nobody_and_refuses_an_invalid_siret(stack):
    unknown = requests.get(f"{stack.url}/api/v1/companies/{DINUM}", timeout=10)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "COMPANY_NOT_FOUND"
    invalid = requests.get(f"{stack.url}/api/v1/companies/13002526500014", timeout=10)
    assert invalid.status_code == 422
    assert invalid.json()["fields"] == {"siret": ["SIRET invalide (14 chiffres, clé de contrôle incorrecte)."]}


def test_both_routes_are_in_the_openapi_document(stack):
    paths = requests.get(f"{stack.url}/api/openapi.json", timeout=10).json()["paths"]
    assert "/api/v1/places/suggestions" in paths
    assert "/api/v1/companies/{siret}" in paths
