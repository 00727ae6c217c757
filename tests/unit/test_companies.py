"""Company look-up by SIRET: the national adapter against a real local HTTP server answering as
the « recherche d'entreprises » API does, the offline adapter, and the gateway's two routes."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.addresses import INDEX_FORMAT, OfflineCommunes
from gateway.companies import Company, NationalCompanyDirectory, NoCompanyDirectory, company_directory
from gateway.lookup_routes import LookupRoutes
from gateway.openapi import build_document
from tests.unit.test_addresses import JsonServer, json_server

pytestmark = pytest.mark.unit

DINUM_HEAD_OFFICE = "13002526500013"
DINUM_OTHER_OFFICE = "13002526500021"
LYON_CITY_HALL = "21690123100011"
SHOP = "44111035500019"
SHOP_CLOSED_OFFICE = "44111035500027"


def dinum(*matching: dict[str, Any]) -> dict[str, Any]:
    return {
        "siren": "130025265",
        "nom_complet": "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)",
        "nom_raison_sociale": "DIRECTION INTERMINISTERIELLE DU NUMERIQUE",
        "nature_juridique": "7120",
        "siege": {"siret": DINUM_HEAD_OFFICE, "adresse": "20 AVENUE DE SEGUR 75007 PARIS", "code_postal": "75007"},
        "matching_etablissements": list(matching),
        "complements": {"collectivite_territoriale": None, "est_service_public": True, "est_association": False},
    }


def lyon_city_hall() -> dict[str, Any]:
    return {
        "siren": "216901231",
        "nom_complet": "COMMUNE DE LYON",
        "nature_juridique": "7210",
        "siege": {"siret": LYON_CITY_HALL, "adresse": "1 PLACE DE LA COMEDIE 69001 LYON"},
        "matching_etablissements": [{"siret": LYON_CITY_HALL, "adresse": "1 PLACE DE LA COMEDIE 69001 LYON"}],
        "complements": {"collectivite_territoriale": {"code": "69123", "niveau": "commune"}},
    }


def shop(**changes: Any) -> dict[str, Any]:
    return {
        "siren": "441110355",
        "nom_complet": "BOULANGERIE DU PORT",
        "nature_juridique": "5710",
        "siege": {"siret": SHOP, "adresse": "8 BOULEVARD DU PORT 80000 AMIENS"},
        "matching_etablissements": [],
        **changes,
    }


@pytest.fixture
def directory_server() -> Iterator[JsonServer]:
    with json_server((200, {"results": [], "total_results": 0, "page": 1, "per_page": 10}, 0.0)) as server:
        yield server


@pytest.fixture
def national(directory_server: JsonServer) -> Iterator[NationalCompanyDirectory]:
    adapter = NationalCompanyDirectory(directory_server.url, timeout=0.3)
    yield adapter
    adapter.session.close()


def answer(*results: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
    return 200, {"results": list(results), "total_results": len(results), "page": 1, "per_page": 10}, 0.0


def test_the_establishment_of_the_siret_is_chosen_among_the_matching_ones(directory_server, national):
    other = {"siret": DINUM_OTHER_OFFICE, "adresse": "4 RUE DE LA BANQUE 75002 PARIS"}
    directory_server.reply = answer(dinum(other))
    found = national.find("130 025 265 00021")
    assert found == Company(
        DINUM_OTHER_OFFICE, "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)", True, "4 RUE DE LA BANQUE 75002 PARIS"
    )
    [path] = directory_server.seen
    assert urlsplit(path).path == "/search"
    assert parse_qs(urlsplit(path).query) == {"q": [DINUM_OTHER_OFFICE]}


def test_the_head_office_answers_for_its_own_siret(directory_server, national):
    directory_server.reply = answer(dinum())
    found = national.find(DINUM_HEAD_OFFICE)
    assert found is not None
    assert found.address == "20 AVENUE DE SEGUR 75007 PARIS"


def test_an_establishment_the_directory_does_not_list_keeps_its_organisation_without_address(
    directory_server, national
):
    directory_server.reply = answer(shop())
    assert national.find(SHOP_CLOSED_OFFICE) == Company(SHOP_CLOSED_OFFICE, "BOULANGERIE DU PORT", False, None)


@pytest.mark.parametrize(
    ("result", "is_public"),
    [
        (lyon_city_hall(), True),  # a local authority
        (shop(), False),  # a private company (SARL)
        (shop(nature_juridique="7389", complements={}), True),  # a body under administrative law
        (shop(complements={"est_service_public": False}, nature_juridique="7389"), False),  # the directory says
        (shop(nature_juridique=None), None),  # nobody says
    ],
)
def test_public_sector_from_the_directory_or_else_the_legal_category(directory_server, national, result, is_public):
    directory_server.reply = answer(result)
    found = national.find(result["siege"]["siret"])
    assert found is not None
    assert found.is_public is is_public


def test_an_unknown_siret_finds_nothing(directory_server, national):
    directory_server.reply = answer(dinum())  # the search answers other organisations only
    assert national.find(SHOP) is None
    directory_server.reply = answer()
    assert national.find(SHOP) is None


def test_an_invalid_siret_is_not_looked_up(directory_server, national):
    assert national.find("13002526500014") is None
    assert national.find("ABC") is None
    assert directory_server.seen == []


@pytest.mark.parametrize(
    "reply",
    [
        (500, {"erreur": "Internal Server Error"}, 0.0),
        (429, {"erreur": "Too Many Requests"}, 0.0),
        (200, b"<html>maintenance</html>", 0.0),
        (200, {"results": "none"}, 0.0),
        (200, answer(dinum())[1], 1.0),  # slower than the timeout
    ],
)
def test_a_failing_directory_answers_none_in_its_timeout(directory_server, national, reply, caplog):
    directory_server.reply = reply
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="gateway.companies"):
        assert national.find(DINUM_HEAD_OFFICE) is None
    assert time.monotonic() - started < 0.9
    assert "company directory failed" in caplog.text


def test_offline_nobody_is_found():
    assert NoCompanyDirectory().find(DINUM_HEAD_OFFICE) is None


def test_the_adapter_is_chosen_from_the_environment(monkeypatch):
    monkeypatch.delenv("COMPANY_API_URL", raising=False)
    assert isinstance(company_directory(), NoCompanyDirectory)
    monkeypatch.setenv("COMPANY_API_URL", "https://entreprises.example/")
    chosen = company_directory()
    assert isinstance(chosen, NationalCompanyDirectory)
    assert (chosen.url, chosen.timeout) == ("https://entreprises.example", 2.0)
    chosen.session.close()


# -- the gateway's routes ---------------------------------------------------------------------------------------


class Lookups:
    def __init__(self, addresses: Any, companies: Any) -> None:
        self.addresses = addresses
        self.companies = companies


class Gateway:
    """The routes' mixin with real adapters, called as nameko calls an ``@http`` entrypoint."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups


def get(gateway: Gateway, entrypoint: Any, url: str, **path: Any) -> tuple[int, Any]:
    request = Request(EnvironBuilder(method="GET", path=url).get_environ())
    response: Response = entrypoint(gateway, request, **path)
    return response.status_code, json.loads(response.get_data())


@pytest.fixture
def offline(tmp_path: Path) -> OfflineCommunes:
    """The offline adapter on a small index file of the real format (the full one is tested in test_addresses)."""
    communes = OfflineCommunes(tmp_path)
    places = [["Vézelay", "89450", 47.46572, 3.74559, 476], ["Vézelise", "54330", 48.48, 6.09, 1500]]
    communes.cache_file.write_text(json.dumps({"format": INDEX_FORMAT, "coverage": {}, "places": places}))
    return communes


def test_the_company_route_answers_the_company_or_404_or_422(directory_server, national, offline):
    gateway = Gateway(Lookups(offline, national))
    directory_server.reply = answer(dinum())
    status, body = get(gateway, LookupRoutes.company, f"/api/v1/companies/{DINUM_HEAD_OFFICE}", siret=DINUM_HEAD_OFFICE)
    assert (status, body) == (
        200,
        {
            "siret": DINUM_HEAD_OFFICE,
            "name": "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)",
            "is_public": True,
            "address": "20 AVENUE DE SEGUR 75007 PARIS",
        },
    )
    status, body = get(gateway, LookupRoutes.company, f"/api/v1/companies/{SHOP}", siret=SHOP)
    assert (status, body["code"]) == (404, "COMPANY_NOT_FOUND")
    assert "SIRET" in body["message"]
    status, body = get(gateway, LookupRoutes.company, "/api/v1/companies/123", siret="123")
    assert (status, body["code"]) == (422, "VALIDATION_ERROR")
    assert "siret" in body["message"]
    assert body["fields"] == {"siret": ["SIRET invalide (14 chiffres, clé de contrôle incorrecte)."]}


def test_the_suggestions_route_validates_its_query(offline):
    gateway = Gateway(Lookups(offline, NoCompanyDirectory()))
    status, body = get(gateway, LookupRoutes.place_suggestions, "/api/v1/places/suggestions?q=vezelay&limit=1")
    assert status == 200
    assert [result["label"] for result in body["results"]] == ["Vézelay 89450"]
    assert set(body["results"][0]) == {"label", "street", "zipcode", "city", "latitude", "longitude"}
    status, body = get(gateway, LookupRoutes.place_suggestions, "/api/v1/places/suggestions?q=v&limit=11")
    assert (status, set(body["fields"])) == (422, {"q", "limit"})


def test_the_routes_are_documented_with_their_models():
    document = build_document("http://e1s.test")
    suggestions = document["paths"]["/api/v1/places/suggestions"]["get"]
    assert {parameter["name"] for parameter in suggestions["parameters"]} == {"q", "limit"}
    assert suggestions["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PlaceSuggestions"
    }
    assert "security" not in suggestions
    company = document["paths"]["/api/v1/companies/{siret}"]["get"]
    assert {"200", "404", "422"} <= set(company["responses"])
    assert document["components"]["schemas"]["CompanyOut"]["required"] == ["siret", "name", "is_public", "address"]
