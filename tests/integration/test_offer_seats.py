"""The offers' side of applications: seat counts from conventions, and the offer an application reads.

Conventions is played by publishing on ``conventions.events`` exactly what its outbox relay
publishes (``tests.support.events.publish_event``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import offers as contract
from services.common.contracts.conventions import OFFER_SEATS_CHANGED, OfferSeatsChanged
from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear, today_in_paris
from services.offers.models import Offer, OutboxMessage, ProcessedEvent
from tests.support.entrypoints import call
from tests.support.events import publish_event
from tests.support.listener import OfferEventsListener
from tests.support.matching_queues import purge_offer_events
from tests.support.offer_services import start_offer_services
from tests.support.offers import offer_body
from tests.support.polling import eventually

pytestmark = pytest.mark.integration

LYON = {"latitude": 45.764, "longitude": 4.8357}
SEATS_HANDLER = "on_offer_seats_changed"


class Stack(NamedTuple):
    identity: Any
    matching: Any
    offers: Any
    listener: Any
    actor: dict[str, Any]


@pytest.fixture
def stack(start_service: Callable[..., Any], nameko_config: dict[str, Any]) -> Stack:
    purge_offer_events(nameko_config["AMQP_URI"])
    services = start_offer_services(start_service)
    user = call(
        services.identity,
        "signup",
        {"email": "hote@example.fr", "password": "un-mot-de-passe-solide", "first_name": "H", "last_name": "Ôte",
         "role": "employer"},
    )  # fmt: skip
    actor = {"user_id": user["id"], "role": "employer", "team_id": user["team_id"]}
    return Stack(*services, actor)


def seats_changed(offer_id: int, approved_count: int, sequence: int) -> dict[str, Any]:
    """The data of an ``offer_seats_changed`` event, as conventions tells it."""
    data = OfferSeatsChanged(offer_id=offer_id, approved_count=approved_count, sequence=sequence)
    return data.model_dump(mode="json")


@pytest.fixture
def send_seats(nameko_config: dict[str, Any]) -> Callable[..., str]:
    """Publish a seats event from "conventions" and wait until the offers service has handled it;
    answers the event id (give it again to play a redelivery)."""

    def send(offers: Any, data: dict[str, Any], event_id: str | None = None) -> str:
        with entrypoint_waiter(offers, SEATS_HANDLER, timeout=10):
            event_id = publish_event(nameko_config["AMQP_URI"], "conventions", OFFER_SEATS_CHANGED, data, event_id)
        return event_id

    return send


def stored(databases: Any, offer_id: int) -> Offer:
    with Session(databases.engine("offers"), expire_on_commit=False) as db:
        offer = db.get(Offer, offer_id)
        assert offer is not None
        return offer


def outbox_types(databases: Any) -> list[str]:
    with Session(databases.engine("offers")) as db:
        return list(db.scalars(select(OutboxMessage.event_type).order_by(OutboxMessage.id)))


def found_ids(matching: Any) -> list[int]:
    return [offer["id"] for offer in call(matching, "search_offers", None, LYON)["results"]]


# -- seat counts ------------------------------------------------------------------------------


def test_a_seat_count_takes_seats_and_tells_matching_and_a_stale_one_is_ignored(stack, send_seats, databases):
    offer = call(stack.offers, "create_offer", stack.actor, offer_body(max_candidates=3))
    with entrypoint_waiter(stack.listener, "on_updated", timeout=10):
        send_seats(stack.offers, seats_changed(offer["id"], approved_count=2, sequence=5))
    assert call(stack.offers, "get_offer", stack.actor, offer["id"])["remaining_seats"] == 1
    [event] = OfferEventsListener.of_type(contract.OFFER_UPDATED)
    snapshot = contract.OfferSnapshot.model_validate(event["data"])
    assert (snapshot.offer_id, snapshot.version, snapshot.max_candidates, snapshot.remaining_seats) == (
        offer["id"], 2, 3, 1,
    )  # fmt: skip

    # Late (an older sequence) or equal (a repeat under another id): neither changes anything.
    send_seats(stack.offers, seats_changed(offer["id"], approved_count=1, sequence=4))
    send_seats(stack.offers, seats_changed(offer["id"], approved_count=0, sequence=5))
    assert call(stack.offers, "get_offer", stack.actor, offer["id"])["remaining_seats"] == 1
    row = stored(databases, offer["id"])
    assert (row.approved_count, row.seats_sequence, row.version) == (2, 5, 2)
    assert outbox_types(databases) == [contract.OFFER_PUBLISHED, contract.OFFER_UPDATED]


def test_the_same_event_delivered_twice_is_applied_once(stack, send_seats, databases):
    offer = call(stack.offers, "create_offer", stack.actor, offer_body(max_candidates=3))
    data = seats_changed(offer["id"], approved_count=1, sequence=1)
    event_id = send_seats(stack.offers, data)
    send_seats(stack.offers, data, event_id)
    # Same event_id, newer content: still the event already processed, so nothing happens
    # (the sequence alone would have let it through).
    send_seats(stack.offers, {**data, "approved_count": 2, "sequence": 2}, event_id)
    row = stored(databases, offer["id"])
    assert (row.approved_count, row.seats_sequence, row.version) == (1, 1, 2)
    assert outbox_types(databases) == [contract.OFFER_PUBLISHED, contract.OFFER_UPDATED]
    with Session(databases.engine("offers")) as db:
        assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_approved_pupils_forbid_deleting_the_offer_and_shrinking_it_below_them(stack, send_seats):
    offer = call(stack.offers, "create_offer", stack.actor, offer_body(max_candidates=3))
    send_seats(stack.offers, seats_changed(offer["id"], approved_count=2, sequence=1))
    with pytest.raises(DomainError) as delete:
        call(stack.offers, "delete_offer", stack.actor, offer["id"])
    assert (status_of(delete.value), delete.value.code) == (409, "OFFER_HAS_APPROVED_PUPILS")
    with pytest.raises(DomainError) as shrink:
        call(stack.offers, "update_offer", stack.actor, offer["id"], {"max_candidates": 1})
    assert (status_of(shrink.value), shrink.value.code, list(shrink.value.fields)) == (
        422, "VALIDATION_ERROR", ["max_candidates"],
    )  # fmt: skip
    assert call(stack.offers, "update_offer", stack.actor, offer["id"], {"max_candidates": 2})["remaining_seats"] == 0


def test_a_full_offer_leaves_the_search_and_comes_back_when_a_seat_frees_up(stack, send_seats):
    offer = call(stack.offers, "create_offer", stack.actor, offer_body(max_candidates=2))
    assert eventually(lambda: found_ids(stack.matching) == [offer["id"]])

    send_seats(stack.offers, seats_changed(offer["id"], approved_count=2, sequence=1))
    assert eventually(lambda: found_ids(stack.matching) == [])

    send_seats(stack.offers, seats_changed(offer["id"], approved_count=1, sequence=2))
    assert eventually(lambda: found_ids(stack.matching) == [offer["id"]])
    [result] = call(stack.matching, "search_offers", None, LYON)["results"]
    assert result["remaining_seats"] == 1


def test_a_count_for_a_deleted_offer_is_kept_without_bringing_it_back(stack, send_seats, databases):
    offer = call(stack.offers, "create_offer", stack.actor, offer_body())
    call(stack.offers, "delete_offer", stack.actor, offer["id"])
    send_seats(stack.offers, seats_changed(offer["id"], approved_count=1, sequence=1))
    send_seats(stack.offers, seats_changed(offer["id"] + 1000, approved_count=1, sequence=1))  # unknown: ignored
    answer = call(stack.offers, "offer_for_application", offer["id"])
    assert (answer["status"], answer["approved_count"]) == ("deleted", 1)
    # A snapshot newer than the deletion would make matching show the offer again.
    assert outbox_types(databases) == [contract.OFFER_PUBLISHED, contract.OFFER_DELETED]


# -- the offer an application reads -----------------------------------------------------------


def test_offer_for_application_answers_published_unpublished_and_deleted_offers(stack, databases):
    # With the contact phone and the trade name that conventions may copy.
    employer = {**offer_body()["employer"], "trade_name": "Aux Canuts"}
    body = offer_body(employer=employer, contact_phone="04 78 00 00 00")
    published = call(stack.offers, "create_offer", stack.actor, body)
    unpublished = call(stack.offers, "create_offer", stack.actor, offer_body(title="Cachée"))
    call(stack.offers, "unpublish_offer", stack.actor, unpublished["id"])
    deleted = call(stack.offers, "create_offer", stack.actor, offer_body(title="Supprimée"))
    call(stack.offers, "delete_offer", stack.actor, deleted["id"])

    answer = call(stack.offers, "offer_for_application", published["id"])
    assert contract.OfferForApplication.model_validate(answer).model_dump(mode="json") == answer
    assert answer == {
        "offer_id": published["id"],
        "status": "published",
        "team_id": stack.actor["team_id"],
        "space_id": published["space_id"],
        "title": published["title"],
        "description": published["description"],
        "employer_name": "Boulangerie des Canuts",
        "employer_siret": "73282932000074",
        "employer_trade_name": "Aux Canuts",
        "employer_ministry": None,  # a private body
        "contact_phone": "+33478000000",
        "street": "12 rue d'Austerlitz",
        "zipcode": "69004",
        "city": "Lyon",
        "grades": ["quatrieme", "troisieme"],
        "college_weeks": offer_body()["college_weeks"],
        "seconde_weeks": [],
        "daily_hours": published["daily_hours"],
        "lunch_break": published["lunch_break"],
        "max_candidates": 2,
        "approved_count": 0,
        "reserved_rep": False,
        "reserved_qpv": False,
        "reserved_school_uai": None,
        "reserved_school_uais": [],
        "need_to_be_updated": False,
    }
    assert call(stack.offers, "offer_for_application", unpublished["id"])["status"] == "unpublished"
    gone = call(stack.offers, "offer_for_application", deleted["id"])
    assert (gone["status"], gone["title"]) == ("deleted", "Supprimée")

    with pytest.raises(DomainError) as unknown:
        call(stack.offers, "offer_for_application", deleted["id"] + 1000)
    assert (status_of(unknown.value), unknown.value.code) == (404, "NOT_FOUND")
    assert "Offre introuvable" in unknown.value.message


def test_offer_for_application_gives_the_seconde_weeks_of_the_current_school_year(stack, databases):
    offer = call(stack.offers, "create_offer", stack.actor, offer_body())
    # Stored directly: creating a seconde offer is refused once June's period has passed.
    with Session(databases.engine("offers")) as db:
        db.execute(
            update(Offer)
            .where(Offer.id == offer["id"])
            .values(grades=["seconde"], seconde_period="week_2", college_weeks=None)
        )
        db.commit()
    answer = call(stack.offers, "offer_for_application", offer["id"])
    seconde = SchoolYear.current(today_in_paris()).seconde
    assert answer["seconde_weeks"] == [str(seconde.week_2)]
    assert (answer["grades"], answer["college_weeks"]) == (["seconde"], None)
