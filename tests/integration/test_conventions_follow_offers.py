"""Applications and conventions follow their offer to another space or team: the new team sees
and handles them, and their events name the offer's new space (whose members are notified).

identity, matching, offers and conventions run in real containers on the real broker and
database. The identity side of teams is played here (its ``team_member_joined`` event, as
its outbox relay publishes it); offers' snapshots are also published by hand to check that a
late one changes nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, NamedTuple

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import conventions as events
from services.common.contracts import offers as contract
from services.common.contracts.events import TEAM_MEMBER_JOINED, TeamMemberJoined
from services.conventions.models import Application, Convention
from tests.support.conventions import (
    HOST_PART,
    SCHOOL_PART,
    actor,
    application_body,
    call,
    college_week,
    signup,
)
from tests.support.entrypoints import refused
from tests.support.events import publish_event
from tests.support.listener import Recorder, listens_to
from tests.support.offer_services import start_application_services
from tests.support.offers import offer_body
from tests.support.polling import wait_until
from tests.support.vhosts import private_vhost

pytestmark = pytest.mark.integration


class ConventionEventsListener(Recorder):
    """Records what conventions tells notifications about applications and conventions."""

    name = "test_conventions_listener"
    received: ClassVar[list[dict[str, Any]]] = []

    @listens_to("conventions", events.APPLICATION_SUBMITTED)
    def on_submitted(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("conventions", events.APPLICATION_VALIDATED)
    def on_validated(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("conventions", events.APPLICATION_CANCELLED)
    def on_cancelled(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("conventions", events.CONVENTION_READY_TO_SIGN)
    def on_ready_to_sign(self, event: dict[str, Any]) -> None:
        self.received.append(event)


@pytest.fixture
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of each test's own: offer ids restart with the emptied databases, so an offer's
    snapshot left in a durable queue by one test must never reach the next one's conventions."""
    with private_vhost(amqp_uri, "e1s-test-follow-offers") as uri:
        yield uri


class Platform(NamedTuple):
    identity: Any
    offers: Any
    conventions: Any


@pytest.fixture
def platform(start_service: Callable[..., Any]) -> Platform:
    ConventionEventsListener.received.clear()
    start_service(ConventionEventsListener)
    return Platform(*start_application_services(start_service))


def placements(databases: Any, offer_id: int) -> tuple[set[tuple[int, int | None]], set[tuple[int, int | None]]]:
    """The (team, space) pairs of the offer's applications and of its conventions."""
    with Session(databases.engine("conventions")) as db:
        applications = db.execute(
            select(Application.team_id, Application.space_id).where(Application.offer_id == offer_id)
        ).all()
        conventions = db.execute(
            select(Convention.team_id, Convention.space_id).where(Convention.offer_id == offer_id)
        ).all()
    return {tuple(row) for row in applications}, {tuple(row) for row in conventions}


def heard(event_type: str, **about: Any) -> dict[str, Any]:
    """The payload of the one ``event_type`` event whose fields have the values ``about``."""

    def matching() -> list[dict[str, Any]]:
        found = [event["data"] for event in ConventionEventsListener.of_type(event_type)]
        return [data for data in found if all(data[key] == value for key, value in about.items())]

    [data] = wait_until(matching)
    return data


def offer_with_applications(platform: Platform, host: dict[str, Any]) -> tuple[dict, dict, dict, dict]:
    """A published offer of ``host``, a pupil approved on it (a convention) and one still waiting."""
    offer = call(
        platform.offers, "create_offer", actor(host), offer_body(college_weeks=[college_week(-2), college_week(-1)])
    )
    approved_pupil, waiting_pupil = signup(platform.identity, "student"), signup(platform.identity, "student")
    approved = call(platform.conventions, "apply", actor(approved_pupil), offer["id"], application_body())
    call(platform.conventions, "act_on_application", actor(host), approved["id"], "validate", {})
    approved = call(platform.conventions, "act_on_application", actor(approved_pupil), approved["id"], "approve", {})
    waiting = call(platform.conventions, "apply", actor(waiting_pupil), offer["id"], application_body())
    return offer, approved, waiting, waiting_pupil


# -- a host moves an offer to another space ---------------------------------------------------


def test_moving_a_spaces_offers_moves_their_applications_and_conventions(platform, databases):
    host = signup(platform.identity, "employer")
    offer, approved, waiting, waiting_pupil = offer_with_applications(platform, host)
    team, space = host["team_id"], offer["space_id"]
    assert placements(databases, offer["id"]) == ({(team, space)}, {(team, space)})
    target = space + 1000

    assert call(platform.offers, "move_space_offers", team, space, target) == 1

    wait_until(lambda: placements(databases, offer["id"]) == ({(team, target)}, {(team, target)}))
    assert call(platform.conventions, "get_application", actor(host), waiting["id"])["space_id"] == target
    convention = call(platform.conventions, "get_convention", actor(host), approved["convention_id"])
    assert convention["space_id"] == target
    # What conventions tells from now on names the new space: its members are the ones notified.
    call(platform.conventions, "act_on_application", actor(waiting_pupil), waiting["id"], "cancel", {})
    cancelled = heard(events.APPLICATION_CANCELLED, application_id=waiting["id"])
    assert (cancelled["application_id"], cancelled["team_id"], cancelled["space_id"]) == (waiting["id"], team, target)


def test_later_snapshots_keep_the_applications_in_the_offers_new_space(platform, databases):
    host = signup(platform.identity, "employer")
    offer, _, waiting, _ = offer_with_applications(platform, host)
    target = offer["space_id"] + 1000
    call(platform.offers, "move_space_offers", host["team_id"], offer["space_id"], target)
    wait_until(lambda: placements(databases, offer["id"])[0] == {(host["team_id"], target)})

    call(platform.offers, "unpublish_offer", actor(host), offer["id"])
    call(platform.offers, "update_offer", actor(host), offer["id"], {"title": "Nouveau titre"})
    # Snapshots that do not move the offer keep the applications where they are.
    time.sleep(0.5)
    assert placements(databases, offer["id"])[0] == {(host["team_id"], target)}
    assert call(platform.conventions, "get_application", actor(host), waiting["id"])["status"] == "submitted"


# -- a member joins another team with their spaces --------------------------------------------


def test_a_joining_members_applications_and_conventions_go_to_the_new_team(platform, databases, amqp_uri):
    joiner, owner = signup(platform.identity, "employer"), signup(platform.identity, "employer")
    manager = signup(platform.identity, "school_manager")
    offer, approved, waiting, _ = offer_with_applications(platform, joiner)
    space, team = offer["space_id"], owner["team_id"]
    joined = TeamMemberJoined(
        user_id=joiner["user_id"], team_id=team, previous_team_id=joiner["team_id"], moved_space_ids=[space]
    )

    publish_event(amqp_uri, "identity", TEAM_MEMBER_JOINED, joined.model_dump(mode="json"))

    wait_until(lambda: placements(databases, offer["id"]) == ({(team, space)}, {(team, space)}))
    # The new team, the joiner among them, sees and handles everything of the offer...
    member = {**actor(joiner), "team_id": team}
    for who in (actor(owner), member):
        listed = call(platform.conventions, "list_applications", who, offer["id"], None, 1, 20)
        assert sorted(item["id"] for item in listed["results"]) == sorted([approved["id"], waiting["id"]])
        assert call(platform.conventions, "list_conventions", who)["total"] == 1
    validated = call(platform.conventions, "act_on_application", actor(owner), waiting["id"], "validate", {})
    assert (validated["status"], validated["team_id"]) == ("validated", team)
    told = heard(events.APPLICATION_VALIDATED, application_id=waiting["id"])
    assert (told["team_id"], told["space_id"]) == (team, space)
    convention_id = approved["convention_id"]
    call(platform.conventions, "update_convention", member, convention_id, HOST_PART)
    call(platform.conventions, "complete_convention", actor(owner), convention_id)
    call(platform.conventions, "update_convention", actor(manager), convention_id, SCHOOL_PART)
    call(platform.conventions, "validate_convention", actor(manager), convention_id)
    ready = heard(events.CONVENTION_READY_TO_SIGN, convention_id=convention_id)
    assert (ready["convention_id"], ready["team_id"], ready["space_id"]) == (convention_id, team, space)
    # ... and the old team's tokens reach none of it.
    for method, args in (
        ("get_application", (waiting["id"],)),
        ("get_convention", (convention_id,)),
        ("act_on_application", (waiting["id"], "cancel", {})),
    ):
        assert status_of(refused(platform.conventions, method, actor(joiner), *args)) == 404, method
    assert call(platform.conventions, "list_applications", actor(joiner), None, None, 1, 20)["total"] == 0


# -- snapshots out of order, repeated, or without a team -------------------------------------


def snapshot_of(offer: dict[str, Any], version: int, **changes: Any) -> dict[str, Any]:
    """An offer's snapshot as offers emits it, at ``version``."""
    values: dict[str, Any] = {
        "offer_id": offer["id"], "version": version, "status": "published", "team_id": offer["team_id"],
        "space_id": offer["space_id"], "title": offer["title"], "description": offer["description"],
        "employer_name": offer["employer"]["name"], "sector": offer["sector"], "street": offer["place"]["street"],
        "zipcode": offer["place"]["zipcode"], "city": offer["place"]["city"],
        "latitude": offer["place"]["latitude"], "longitude": offer["place"]["longitude"], "grades": offer["grades"],
        "college_weeks": offer["college_weeks"], "seconde_weeks": [], "max_candidates": offer["max_candidates"],
        "remaining_seats": offer["remaining_seats"], "reserved_rep": False, "reserved_qpv": False,
        "reserved_school_uai": None,
    }  # fmt: skip
    return contract.OfferSnapshot.model_validate({**values, **changes}).model_dump(mode="json")


def offer_versions(databases: Any, offer_id: int) -> set[int]:
    """The offer versions the offer's applications follow."""
    with Session(databases.engine("conventions")) as db:
        return set(db.scalars(select(Application.offer_version).where(Application.offer_id == offer_id)))


def send_snapshot(
    platform: Platform, amqp_uri: str, event_type: str, handler: str, data: dict[str, Any], event_id: str | None = None
) -> None:
    """Publish a snapshot as offers does and wait until conventions has handled that very event."""
    event_id = event_id or str(uuid.uuid4())

    def handled(worker_ctx: Any, result: Any, exc_info: Any) -> bool:
        return worker_ctx.args[0]["event_id"] == event_id

    with entrypoint_waiter(platform.conventions, handler, callback=handled, timeout=10):
        publish_event(amqp_uri, "offers", event_type, data, event_id)


def test_a_late_snapshot_changes_nothing_and_a_repeated_one_is_applied_once(platform, databases, amqp_uri):
    host = signup(platform.identity, "employer")
    offer, _, _, _ = offer_with_applications(platform, host)
    team, space = host["team_id"], offer["space_id"]

    # The offer's own snapshots (published, then a seat taken) are handled first: ours come after.
    wait_until(lambda: 2 in offer_versions(databases, offer["id"]))

    def send(event_type: str, handler: str, data: dict[str, Any], event_id: str | None = None) -> None:
        send_snapshot(platform, amqp_uri, event_type, handler, data, event_id)

    send(contract.OFFER_UPDATED, "on_offer_updated", snapshot_of(offer, 40, space_id=space + 7))
    assert placements(databases, offer["id"]) == ({(team, space + 7)}, {(team, space + 7)})
    # Older versions, on any of the three queues, arrive too late: ignored.
    send(contract.OFFER_UPDATED, "on_offer_updated", snapshot_of(offer, 39, space_id=space + 1))
    send(contract.OFFER_UNPUBLISHED, "on_offer_unpublished", snapshot_of(offer, 38, status="unpublished"))
    send(contract.OFFER_PUBLISHED, "on_offer_published", snapshot_of(offer, 40, space_id=space + 2))
    assert placements(databases, offer["id"]) == ({(team, space + 7)}, {(team, space + 7)})
    # A partner's offer, or a snapshot that does not tell its team and space: nothing to follow.
    send(contract.OFFER_UPDATED, "on_offer_updated", snapshot_of(offer, 41, team_id=None, space_id=None))
    assert placements(databases, offer["id"]) == ({(team, space + 7)}, {(team, space + 7)})

    # A newer one applies, on whichever queue; the same event delivered again is applied once,
    # even when what it says would apply.
    event_id = str(uuid.uuid4())
    send(contract.OFFER_UNPUBLISHED, "on_offer_unpublished", snapshot_of(offer, 42, space_id=space + 3), event_id)
    assert placements(databases, offer["id"]) == ({(team, space + 3)}, {(team, space + 3)})
    send(contract.OFFER_UNPUBLISHED, "on_offer_unpublished", snapshot_of(offer, 50, space_id=space + 4), event_id)
    assert placements(databases, offer["id"]) == ({(team, space + 3)}, {(team, space + 3)})


def test_snapshots_of_an_offer_nobody_applied_to_change_nothing(platform, databases, amqp_uri):
    host = signup(platform.identity, "employer")
    offer = call(platform.offers, "create_offer", actor(host), offer_body())
    moved = snapshot_of(offer, 9, space_id=offer["space_id"] + 5)
    send_snapshot(platform, amqp_uri, contract.OFFER_UPDATED, "on_offer_updated", moved)
    assert placements(databases, offer["id"]) == (set(), set())
    # A pupil applying later reads the offer as offers has it now.
    pupil = signup(platform.identity, "student")
    application = call(platform.conventions, "apply", actor(pupil), offer["id"], application_body())
    assert (application["team_id"], application["space_id"]) == (host["team_id"], offer["space_id"])
    submitted = heard(events.APPLICATION_SUBMITTED, application_id=application["id"])
    assert (submitted["team_id"], submitted["space_id"]) == (host["team_id"], offer["space_id"])
