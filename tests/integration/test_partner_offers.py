"""Operators' offers (partner API v2) in the offers service, on the real broker and database."""

from __future__ import annotations

import time

import pytest

from gateway.errors import render
from services.common.errors import DomainError
from services.matching.service import MatchingService
from services.offers.service import OffersService
from tests.support.entrypoints import call
from tests.support.matching_queues import purge_offer_events
from tests.support.partner import partner_payload, seconde_weeks

pytestmark = pytest.mark.integration

OPERATOR, OTHER = 501, 502


def v2_status(error: DomainError) -> int:
    """The status the partner API v2 answers ``error`` with."""
    return render(error, "v2")[0]


@pytest.fixture
def offers(start_service):
    return start_service(OffersService)


@pytest.fixture
def searchable_offers(start_service, nameko_config):
    """Offers with matching beside it: the search asks its offer index."""
    purge_offer_events(nameko_config["AMQP_URI"])
    start_service(MatchingService)
    return start_service(OffersService)


def searched(container, params, remote_ids, timeout=10.0):
    """The search's answer once it finds ``remote_ids``: matching's index follows the offers'
    events, a moment after the change."""
    deadline = time.monotonic() + timeout
    while True:
        found = call(container, "partner_search", OTHER, params)
        if [offer["remote_id"] for offer in found["internshipOffers"]] == remote_ids or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def error_of(container, method, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(container, method, *args)
    return caught.value


def test_create_answers_the_national_shape_and_remote_ids_are_unique_per_operator(offers):
    created = call(offers, "partner_create", OPERATOR, partner_payload())
    assert list(created) == [
        "title", "description", "employer_name", "employer_description", "employer_website", "street", "zipcode",
        "city", "remote_id", "permalink", "max_candidates", "published_at", "is_public", "formatted_coordinates",
        "weeks", "grades", "need_to_be_updated", "update_reason",
    ]  # fmt: skip
    assert (created["need_to_be_updated"], created["update_reason"]) == (False, None)  # ours, after the national ones
    assert created["formatted_coordinates"] == {"latitude": 48.866667, "longitude": 2.333333}
    assert created["published_at"].endswith(("+01:00", "+02:00")) and "." in created["published_at"]
    duplicate = error_of(offers, "partner_create", OPERATOR, partner_payload())
    assert (v2_status(duplicate), duplicate.code, duplicate.message) == (
        409,
        "DUPLICATE_API",
        "api with this remote_id (offre-1) already exists",
    )
    assert call(offers, "partner_create", OTHER, partner_payload())["remote_id"] == "offre-1"


def test_payload_errors_are_the_national_ones(offers):
    missing = error_of(offers, "partner_create", OPERATOR, {"title": ""})
    assert (v2_status(missing), missing.code) == (400, "VALIDATION_ERROR")
    assert missing.fields["title"] == ["Missing title"]
    assert missing.fields["zipcode"] == ["Missing zipcode", "is invalid"]
    assert missing.fields["employer_description"] == ["doit être rempli(e)"]
    assert {"coordinates", "sector", "remote_id", "permalink", "street", "city"} <= set(missing.fields)
    assert error_of(offers, "partner_create", OPERATOR, {}).code == "BAD_PAYLOAD"
    mixed = error_of(offers, "partner_create", OPERATOR, partner_payload(grades=["troisieme", "seconde"]))
    assert (v2_status(mixed), mixed.code, mixed.message) == (
        422,
        "WRONG_PARAMS",
        "Grades must be either college or lycee, not both",
    )
    one_week = error_of(
        offers, "partner_create", OPERATOR, partner_payload(grades=["seconde"], weeks=seconde_weeks()[:1])
    )
    assert one_week.message == "All mandatory weeks must be included for seconde grade"
    bad_week = error_of(offers, "partner_create", OPERATOR, partner_payload(weeks=["2020-Wsem9-23"]))
    assert (v2_status(bad_week), bad_week.code) == (422, "BAD_ARGUMENT")
    assert bad_week.message == "bad week format: 2020-Wsem9-23, expecting ISO 8601 format"
    long = error_of(offers, "partner_create", OPERATOR, partner_payload(description="x" * 1501))
    assert long.fields == {"description": ["Description too long, allowed up to 1500 chars"]}
    assert call(offers, "partner_create", OPERATOR, partner_payload(grades=["seconde"], weeks=seconde_weeks()))[
        "grades"
    ] == ["seconde"]


def test_update_unpublish_index_search_destroy(searchable_offers):
    offers = searchable_offers
    call(offers, "partner_create", OPERATOR, partner_payload())
    call(offers, "partner_create", OPERATOR, partner_payload(remote_id="offre-2", title="Deuxième"))
    updated = call(offers, "partner_update", OPERATOR, "offre-1", {"title": "hellow", "published_at": None})
    assert (updated["title"], updated["published_at"]) == ("hellow", None)
    assert error_of(offers, "partner_update", OTHER, "offre-2", {"title": "x"}).code == "FORBIDDEN"
    assert error_of(offers, "partner_update", OPERATOR, "inconnue", {"title": "x"}).code == "NOT_FOUND"

    page = call(offers, "partner_index", OPERATOR, 1)
    assert page["pagination"]["totalInternshipOffers"] == 2
    assert page["pagination"]["isFirstPage"] and page["pagination"]["nextPage"] is None
    item = page["internshipOffers"][0]
    assert item["sector"] == "Informatique et réseaux"  # s31, by its French name
    assert item["weeks"].startswith("du ") and item["url"].endswith(f"utm_source=operator-{OPERATOR}")

    # Once matching has heard of the three changes: offre-1 is unpublished, out of the search.
    assert [o["remote_id"] for o in searched(offers, {}, ["offre-2"])["internshipOffers"]] == ["offre-2"]
    found = call(offers, "partner_search", OTHER, {"latitude": 48.85, "longitude": 2.35, "keyword": "DEUXIEME"})
    assert [o["remote_id"] for o in found["internshipOffers"]] == ["offre-2"]
    assert found["pagination"]["totalInternshipOffers"] == 1
    assert found["internshipOffers"][0]["url"].endswith(f"utm_source=operator-{OTHER}")
    far = call(offers, "partner_search", OTHER, {"latitude": 43.6, "longitude": 1.44})
    assert far["pagination"]["totalInternshipOffers"] == 0
    # Without a place: by grade, by keyword, or every offer, by id.
    of_grade = {grade: call(offers, "partner_search", OTHER, {"grade": grade}) for grade in ("troisieme", "seconde")}
    assert [o["remote_id"] for o in of_grade["troisieme"]["internshipOffers"]] == ["offre-2"]
    assert of_grade["seconde"]["pagination"]["totalInternshipOffers"] == 0
    assert call(offers, "partner_search", OTHER, {"keyword": "hellow"})["pagination"]["totalInternshipOffers"] == 0

    destroyed = call(offers, "partner_destroy", OPERATOR, "offre-2")
    assert destroyed["remote_id"] == "offre-2"
    again = error_of(offers, "partner_destroy", OPERATOR, "offre-2")
    assert (v2_status(again), again.code, again.message) == (409, "API_ALREADY_DESTROYED", "api already destroyed")
    assert call(offers, "partner_index", OPERATOR, 1)["pagination"]["totalInternshipOffers"] == 1
