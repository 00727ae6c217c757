"""Matching's projection of offers and the pupils' search, on the real broker and database."""

from __future__ import annotations

from typing import Any

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import offers as contract
from services.common.errors import DomainError
from services.identity.service import IdentityService
from services.matching.models import OfferProjection
from services.matching.service import MatchingService
from services.offers.service import OffersService
from tests.support.entrypoints import call
from tests.support.events import publish_event
from tests.support.matching_queues import HANDLERS, purge_offer_events
from tests.support.offers import offer_body
from tests.support.polling import eventually

pytestmark = pytest.mark.integration

LYON = {"latitude": 45.764, "longitude": 4.8357}


def search(container, params: dict[str, Any], actor: dict[str, Any] | None = None) -> dict[str, Any]:
    return call(container, "search_offers", actor, params)


def found_ids(container, params: dict[str, Any]) -> list[int]:
    return [offer["id"] for offer in search(container, params)["results"]]


@pytest.fixture
def quiet_queues(nameko_config):
    """Events left in matching's queues by earlier tests (offers ran without matching) are dropped."""
    purge_offer_events(nameko_config["AMQP_URI"])


def snapshot(offer_id: int, version: int, **changes: Any) -> dict[str, Any]:
    data = {
        "offer_id": offer_id,
        "version": version,
        "status": "published",
        "title": "Découverte de la pâtisserie",
        "description": "Observer le travail du fournil et de la boutique.",
        "employer_name": "Maison Hervé",
        "sector": "s12",
        "street": "1 rue de la République",
        "zipcode": "69002",
        "city": "Lyon",
        "latitude": 45.76,
        "longitude": 4.835,
        "grades": ["troisieme"],
        "college_weeks": "all_year",
        "seconde_weeks": [],
        "max_candidates": 2,
        "remaining_seats": 2,
        "reserved_rep": False,
        "reserved_qpv": False,
        "reserved_school_uai": None,
    }
    data.update(changes)
    return data


@pytest.fixture
def dispatch(nameko_config):
    """Publish an event as offers' outbox relay does and wait until ``matching`` has handled it;
    answers the event id (give it again to play a redelivery)."""

    def publish(matching, event_type: str, data: dict[str, Any], event_id: str | None = None) -> str:
        with entrypoint_waiter(matching, HANDLERS[event_type], timeout=10):
            event_id = publish_event(nameko_config["AMQP_URI"], "offers", event_type, data, event_id)
        return event_id

    return publish


def projection(databases, offer_id: int) -> OfferProjection | None:
    with Session(databases.engine("matching")) as db:
        return db.scalar(select(OfferProjection).where(OfferProjection.offer_id == offer_id))


def test_offers_published_by_the_offers_service_are_found_then_gone(start_service, quiet_queues, databases):
    identity = start_service(IdentityService)
    matching = start_service(MatchingService)
    offers = start_service(OffersService)
    user = call(
        identity,
        "signup",
        {"email": "h@example.fr", "password": "un-mot-de-passe-solide", "first_name": "H", "last_name": "Ôte",
         "role": "employer"},
    )  # fmt: skip
    actor = {"user_id": user["id"], "role": "employer", "team_id": user["team_id"]}
    offer = call(offers, "create_offer", actor, offer_body(title="Atelier de pâtisserie"))
    assert eventually(lambda: offer["id"] in found_ids(matching, LYON))
    [result] = search(matching, {**LYON, "keyword": "PATISSERIE"})["results"]
    assert result["title"] == "Atelier de pâtisserie" and result["city"] == "Lyon"
    assert result["distance_km"] == pytest.approx(1.1, abs=0.2)
    assert result["weeks"] == offer_body()["college_weeks"] and result["remaining_seats"] == 2
    assert result["reserved_for"] == {"rep": False, "qpv": False, "school_uai": None}

    call(offers, "update_offer", actor, offer["id"], {"title": "Au fournil"})
    assert eventually(lambda: search(matching, {**LYON, "keyword": "atelier"})["total"] == 0)
    assert [r["title"] for r in search(matching, {**LYON, "keyword": "fournil"})["results"]] == ["Au fournil"]

    call(offers, "unpublish_offer", actor, offer["id"])
    assert eventually(lambda: offer["id"] not in found_ids(matching, LYON))
    call(offers, "publish_offer", actor, offer["id"])
    assert eventually(lambda: offer["id"] in found_ids(matching, LYON))
    call(offers, "delete_offer", actor, offer["id"])
    assert eventually(lambda: offer["id"] not in found_ids(matching, LYON))
    assert projection(databases, offer["id"]).status == "deleted"


def test_a_redelivered_event_has_no_second_effect(start_service, quiet_queues, dispatch, databases):
    matching = start_service(MatchingService)
    event_id = dispatch(matching, contract.OFFER_PUBLISHED, snapshot(501, 1))
    seq = projection(databases, 501).seq
    dispatch(matching, contract.OFFER_PUBLISHED, snapshot(501, 1), event_id)
    assert projection(databases, 501).seq == seq
    assert found_ids(matching, LYON) == [501]


def test_an_older_version_after_a_newer_one_is_ignored(start_service, quiet_queues, dispatch, databases):
    matching = start_service(MatchingService)
    dispatch(matching, contract.OFFER_UPDATED, snapshot(502, 3, title="Trois"))
    dispatch(matching, contract.OFFER_PUBLISHED, snapshot(502, 1, title="Un"))
    assert [r["title"] for r in search(matching, LYON)["results"]] == ["Trois"]
    # Deleted at version 4, then a late update of version 3 arrives: it stays deleted.
    deleted = {"offer_id": 502, "version": 4}
    dispatch(matching, contract.OFFER_DELETED, deleted)
    dispatch(matching, contract.OFFER_UPDATED, snapshot(502, 3, title="Tard"))
    assert search(matching, LYON)["total"] == 0
    assert (projection(databases, 502).status, projection(databases, 502).version) == ("deleted", 4)


def test_unpublished_and_full_offers_are_not_found(start_service, quiet_queues, dispatch):
    matching = start_service(MatchingService)
    dispatch(matching, contract.OFFER_PUBLISHED, snapshot(503, 1))
    dispatch(matching, contract.OFFER_PUBLISHED, snapshot(504, 1))
    unpublished = snapshot(503, 2, status="unpublished")
    dispatch(matching, contract.OFFER_UNPUBLISHED, unpublished)
    dispatch(matching, contract.OFFER_UPDATED, snapshot(504, 2, remaining_seats=0))
    assert search(matching, LYON)["total"] == 0


def test_two_replicas_on_one_database_both_serve_the_offer(start_service, quiet_queues, dispatch):
    first = start_service(MatchingService)
    second = start_service(MatchingService)
    for offer_id in (505, 506, 507, 508):  # each event reaches one replica only
        publish_event(first.config["AMQP_URI"], "offers", contract.OFFER_PUBLISHED, snapshot(offer_id, 1))
    for replica in (first, second):
        assert eventually(lambda replica=replica: found_ids(replica, LYON) == [505, 506, 507, 508], timeout=3)


def test_a_replica_started_later_loads_the_projection(start_service, quiet_queues, dispatch):
    first = start_service(MatchingService)
    dispatch(first, contract.OFFER_PUBLISHED, snapshot(509, 1))
    later = start_service(MatchingService)
    assert found_ids(later, LYON) == [509]


def test_search_parameters_are_checked(start_service, quiet_queues):
    matching = start_service(MatchingService)
    with pytest.raises(DomainError) as no_place:
        search(matching, {})
    assert (status_of(no_place.value), sorted(no_place.value.fields)) == (422, ["latitude", "longitude"])
    with pytest.raises(DomainError) as too_far:
        search(matching, {**LYON, "radius_km": 61, "weeks": ["2026-W99"], "grade": "cm2"})
    assert sorted(too_far.value.fields) == ["grade", "radius_km", "weeks"]
    with pytest.raises(DomainError) as half_point:
        search(matching, {"latitude": 45.0})
    assert list(half_point.value.fields) == ["longitude"]
    assert search(matching, {**LYON, "weeks": "2026-W40,2026-W41"})["total"] == 0
