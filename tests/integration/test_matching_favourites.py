"""The pupils' favourite offers in the matching service: real broker, real database."""

from __future__ import annotations

from typing import Any

import pytest
from nameko.testing.services import entrypoint_waiter

from gateway.error_statuses import status_of
from services.common.contracts import offers as contract
from services.common.errors import DomainError
from services.matching import import_schools
from services.matching.service import MatchingService
from tests.integration.test_search_projection import HANDLERS, quiet_queues, snapshot  # noqa: F401
from tests.support.entrypoints import call
from tests.support.events import publish_event

pytestmark = pytest.mark.integration

CLAUDEL = "0752694W"  # Collège Camille Claudel, Paris 13e, in the sample directory
# Ids no other test of the session uses (the databases live as long as the session).
PUPIL = {"user_id": 7_310_001, "role": "student", "team_id": None, "school_uai": CLAUDEL, "grade": "troisieme"}
OTHER_PUPIL = {**PUPIL, "user_id": 7_310_002}
HOST = {"user_id": 7_310_003, "role": "employer", "team_id": 7_310_003}
PARIS_OFFER, RESERVED_OFFER, NEVER_HEARD_OF = 7_310_101, 7_310_102, 7_310_199
PARIS = {"latitude": 48.8566, "longitude": 2.3522, "city": "Paris", "zipcode": "75004", "title": "Au fournil"}


def publish(config: dict[str, Any], matching, event_type: str, data: dict[str, Any]) -> None:
    with entrypoint_waiter(matching, HANDLERS[event_type], timeout=10):
        publish_event(config["AMQP_URI"], "offers", event_type, data)


def favourites(matching, actor: dict[str, Any]) -> list[dict[str, Any]]:
    return call(matching, "list_favourites", actor, {})["results"]


@pytest.fixture
def matching(start_service, env, quiet_queues):  # noqa: F811
    import_schools.run(import_schools.SAMPLE, None, import_schools.SAMPLE_QPV)
    return start_service(MatchingService)


def test_a_pupil_keeps_finds_and_removes_favourites(matching, nameko_config):
    publish(nameko_config, matching, contract.OFFER_PUBLISHED, snapshot(PARIS_OFFER, 1, **PARIS))

    added = call(matching, "add_favourite", PUPIL, PARIS_OFFER)
    assert added["id"] == PARIS_OFFER and added["title"] == "Au fournil" and added["available"] is True
    # Measured from the pupil's school (Paris 13e) to the offer (Paris 4e).
    assert 0 < added["distance_km"] < 5
    again = call(matching, "add_favourite", PUPIL, PARIS_OFFER)
    assert again["added_at"] == added["added_at"]  # idempotent: one row, its first date

    [listed] = favourites(matching, PUPIL)
    assert listed == added
    assert call(matching, "list_favourites", PUPIL, {"per_page": 1})["total"] == 1
    assert favourites(matching, OTHER_PUPIL) == []  # each pupil their own
    assert call(matching, "favourite_offer_ids", PUPIL, [PARIS_OFFER, NEVER_HEARD_OF]) == [PARIS_OFFER]
    assert call(matching, "favourite_offer_ids", OTHER_PUPIL, [PARIS_OFFER]) == []

    # Unpublished: still listed, no longer available; published again: available again.
    publish(
        nameko_config, matching, contract.OFFER_UNPUBLISHED, snapshot(PARIS_OFFER, 2, status="unpublished", **PARIS)
    )
    [listed] = favourites(matching, PUPIL)
    assert listed["available"] is False and listed["title"] == "Au fournil"
    with pytest.raises(DomainError) as refused:
        call(matching, "add_favourite", OTHER_PUPIL, PARIS_OFFER)  # nobody adds an unpublished offer
    assert status_of(refused.value) == 404
    publish(nameko_config, matching, contract.OFFER_PUBLISHED, snapshot(PARIS_OFFER, 3, **PARIS))
    assert favourites(matching, PUPIL)[0]["available"] is True

    call(matching, "remove_favourite", PUPIL, PARIS_OFFER)
    assert favourites(matching, PUPIL) == []
    call(matching, "remove_favourite", PUPIL, PARIS_OFFER)  # idempotent
    assert call(matching, "favourite_offer_ids", PUPIL, [PARIS_OFFER]) == []

    # Deleted: the favourite leaves the list (nothing is left to show of the offer).
    call(matching, "add_favourite", PUPIL, PARIS_OFFER)
    publish(nameko_config, matching, contract.OFFER_DELETED, {"offer_id": PARIS_OFFER, "version": 4})
    assert call(matching, "list_favourites", PUPIL, {}) == {"total": 0, "page": 1, "per_page": 20, "results": []}


def test_only_pupils_keep_favourites_of_offers_they_can_find(matching, nameko_config):
    reserved = snapshot(RESERVED_OFFER, 1, reserved_school_uai="0690001A", reserved_school_uais=["0690001A"], **PARIS)
    publish(nameko_config, matching, contract.OFFER_PUBLISHED, reserved)

    for method, args in (
        ("add_favourite", (RESERVED_OFFER,)),
        ("remove_favourite", (RESERVED_OFFER,)),
        ("list_favourites", ({},)),
    ):
        with pytest.raises(DomainError) as refused:
            call(matching, method, HOST, *args)
        assert (method, status_of(refused.value), refused.value.code) == (method, 403, "FORBIDDEN")
    assert call(matching, "favourite_offer_ids", HOST, [RESERVED_OFFER]) == []

    for offer_id in (RESERVED_OFFER, NEVER_HEARD_OF):  # reserved to another school, unknown: the same 404
        with pytest.raises(DomainError) as refused:
            call(matching, "add_favourite", PUPIL, offer_id)
        assert status_of(refused.value) == 404
    with pytest.raises(DomainError) as refused:
        call(matching, "remove_favourite", PUPIL, NEVER_HEARD_OF)
    assert status_of(refused.value) == 404
    call(matching, "remove_favourite", PUPIL, RESERVED_OFFER)  # known, not a favourite: nothing to do
