"""An offer reserved to several schools: checked against the directory, carried to matching,
shown and open to the pupils of those schools only.

identity, matching, offers and conventions run in real containers on the real broker and
database (SQLite or PostgreSQL), with the sample schools directory loaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import offers as contract
from services.common.errors import DomainError
from services.conventions.service import ConventionsService
from services.identity.service import IdentityService
from services.matching.models import OfferProjection
from services.matching.service import MatchingService
from services.offers.service import OffersService
from tests.support.conventions import actor, application_body, call, college_week, signup
from tests.support.listener import OfferEventsListener
from tests.support.offers import offer_body
from tests.support.schools import load_sample

pytestmark = pytest.mark.integration

CLAUDEL, GALOIS, LAMARTINE = "0752694W", "0753937X", "0692337R"  # collèges of the sample
NOT_IN_DIRECTORY = "0751710B"  # a real UAI: a lycée professionnel, not in the directory
LYON = {"latitude": 45.764, "longitude": 4.8357}


class Platform(NamedTuple):
    identity: Any
    matching: Any
    offers: Any
    conventions: Any
    listener: Any


@pytest.fixture
def platform(start_service: Callable[..., Any], databases: Any) -> Platform:
    load_sample(databases.urls["matching"])
    OfferEventsListener.received.clear()
    listener = start_service(OfferEventsListener)
    identity = start_service(IdentityService)
    matching = start_service(MatchingService)
    offers = start_service(OffersService)
    conventions = start_service(ConventionsService)
    return Platform(identity, matching, offers, conventions, listener)


def refused(container: Any, method: str, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as error:
        call(container, method, *args)
    return error.value


def found_by(platform: Platform, pupil: dict[str, Any] | None) -> set[int]:
    params = {**LYON, "grade": "troisieme"}
    answer = call(platform.matching, "search_offers", actor(pupil) if pupil else None, params)
    return {result["id"] for result in answer["results"]}


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_each_school_must_be_in_the_directory(platform):
    host = actor(signup(platform.identity, "employer"))
    reserved = {"school_uais": [CLAUDEL, NOT_IN_DIRECTORY, "0000001B"]}
    error = refused(platform.offers, "create_offer", host, offer_body(reserved_for=reserved))
    assert error.fields == {
        "reserved_for.school_uais": [
            f"Aucun établissement de l'annuaire n'a le code UAI {NOT_IN_DIRECTORY}.",
            "Aucun établissement de l'annuaire n'a le code UAI 0000001B.",
        ]
    }
    offer = call(platform.offers, "create_offer", host, offer_body())
    error = refused(platform.offers, "update_offer", host, offer["id"], {"reserved_for": {"school_uai": "0000001B"}})
    assert list(error.fields) == ["reserved_for.school_uais"]
    assert call(platform.matching, "unknown_schools", [CLAUDEL, "0692337r", NOT_IN_DIRECTORY]) == [NOT_IN_DIRECTORY]


def test_an_offer_reserved_to_several_schools_is_theirs_alone(platform, databases):
    host = actor(signup(platform.identity, "employer"))
    claudel = signup(platform.identity, "student", school_uai=CLAUDEL)
    lamartine = signup(platform.identity, "student", school_uai=LAMARTINE)
    galois = signup(platform.identity, "student", school_uai=GALOIS)
    week = college_week(-1)
    reserved = {"school_uais": [LAMARTINE, CLAUDEL.lower(), LAMARTINE]}
    with entrypoint_waiter(platform.listener, "on_published", timeout=10):
        offer = call(platform.offers, "create_offer", host, offer_body(reserved_for=reserved, college_weeks=[week]))
    both = {"rep": False, "qpv": False, "school_uai": LAMARTINE, "school_uais": [LAMARTINE, CLAUDEL]}
    assert offer["reserved_for"] == both
    assert call(platform.offers, "preview_offer", host, offer["id"])["reserved_for"] == both
    [event] = OfferEventsListener.of_type(contract.OFFER_PUBLISHED)
    assert (event["data"]["reserved_school_uai"], event["data"]["reserved_school_uais"]) == (
        LAMARTINE,
        [LAMARTINE, CLAUDEL],
    )
    # Matching stores the list and hides the offer from every other school.
    assert eventually(lambda: offer["id"] in found_by(platform, lamartine))
    assert offer["id"] in found_by(platform, claudel)
    assert offer["id"] not in found_by(platform, galois) | found_by(platform, None)
    with Session(databases.engine("matching")) as db:
        assert db.get(OfferProjection, offer["id"]).snapshot["reserved_school_uais"] == [LAMARTINE, CLAUDEL]
    # Conventions applies the same rule when a pupil applies.
    applied = call(platform.conventions, "apply", actor(claudel), offer["id"], application_body(week))
    assert applied["status"] == "submitted"
    error = refused(platform.conventions, "apply", actor(galois), offer["id"], application_body(week))
    assert status_of(error) == 404

    # A client that knows only ``school_uai`` changes the reservation with it alone.
    with entrypoint_waiter(platform.listener, "on_updated", timeout=10):
        changed = call(platform.offers, "update_offer", host, offer["id"], {"reserved_for": {"school_uai": GALOIS}})
    assert changed["reserved_for"] == {"rep": False, "qpv": False, "school_uai": GALOIS, "school_uais": [GALOIS]}
    assert eventually(lambda: offer["id"] in found_by(platform, galois))
    assert offer["id"] not in found_by(platform, claudel) | found_by(platform, lamartine)
    call(platform.conventions, "apply", actor(galois), offer["id"], application_body(week))
    error = refused(platform.conventions, "apply", actor(lamartine), offer["id"], application_body(week))
    assert status_of(error) == 404

    # Emptied, it is everyone's again.
    with entrypoint_waiter(platform.listener, "on_updated", timeout=10):
        opened = call(platform.offers, "update_offer", host, offer["id"], {"reserved_for": {"school_uais": []}})
    assert opened["reserved_for"] == {"rep": False, "qpv": False, "school_uai": None, "school_uais": []}
    assert eventually(lambda: offer["id"] in found_by(platform, None))
