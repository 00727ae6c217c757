"""Offers follow their spaces: a space emptied into another, a member joining a team with their
spaces; and a team's offers are "not found" for everyone outside the team.

identity, matching and offers run in real containers on the real broker and database. The
identity side of teams is played here: its ``team_member_joined`` event is published as its
outbox relay publishes it (``identity.events``, the type as routing key, the envelope as body).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import offers as contract
from services.common.contracts.events import TEAM_MEMBER_JOINED, TeamMemberJoined
from services.offers.models import Offer, OutboxMessage
from tests.support.conventions import actor, call, signup
from tests.support.entrypoints import refused
from tests.support.events import publish_event
from tests.support.listener import OfferEventsListener
from tests.support.offer_services import OfferServices, start_offer_services
from tests.support.offers import offer_body
from tests.support.partner import partner_payload
from tests.support.polling import eventually
from tests.support.vhosts import private_vhost

pytestmark = pytest.mark.integration

JOINED_HANDLER = "on_team_member_joined"


@pytest.fixture
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of each test's own: offer ids restart with the emptied databases, so an event
    left in a durable queue by one test must never reach the next one's services."""
    with private_vhost(amqp_uri, "e1s-test-team-moves") as uri:
        yield uri


@pytest.fixture
def stack(start_service: Callable[..., Any]) -> OfferServices:
    return start_offer_services(start_service)


def snapshots(event_type: str = contract.OFFER_UPDATED) -> dict[int, contract.OfferSnapshot]:
    """The last snapshot heard of each offer, by offer id."""
    found = [contract.OfferSnapshot.model_validate(event["data"]) for event in OfferEventsListener.of_type(event_type)]
    return {snapshot.offer_id: snapshot for snapshot in sorted(found, key=lambda s: s.version)}


def stored(databases: Any, offer_id: int) -> Offer:
    with Session(databases.engine("offers"), expire_on_commit=False) as db:
        offer = db.get(Offer, offer_id)
        assert offer is not None
        return offer


def outbox_count(databases: Any) -> int:
    with Session(databases.engine("offers")) as db:
        return db.scalar(select(func.count()).select_from(OutboxMessage)) or 0


# -- snapshots say whose offer, in which space ------------------------------------------------


def test_every_snapshot_names_the_offers_team_and_space_and_a_partners_none(stack):
    host = signup(stack.identity, "employer")
    with entrypoint_waiter(stack.listener, "on_published", timeout=10):
        offer = call(stack.offers, "create_offer", actor(host), offer_body())
    with entrypoint_waiter(stack.listener, "on_unpublished", timeout=10):
        call(stack.offers, "unpublish_offer", actor(host), offer["id"])
    with entrypoint_waiter(stack.listener, "on_published", timeout=10):
        partner = call(stack.offers, "partner_create", 4242, partner_payload())

    published = snapshots(contract.OFFER_PUBLISHED)
    assert (published[offer["id"]].team_id, published[offer["id"]].space_id) == (host["team_id"], offer["space_id"])
    unpublished = snapshots(contract.OFFER_UNPUBLISHED)[offer["id"]]
    assert (unpublished.team_id, unpublished.space_id, unpublished.version) == (host["team_id"], offer["space_id"], 2)
    [partners] = [snapshot for offer_id, snapshot in published.items() if offer_id != offer["id"]]
    assert (partners.title, partners.team_id, partners.space_id) == (partner["title"], None, None)


# -- a space emptied into another -------------------------------------------------------------


def test_a_spaces_offers_are_counted_and_moved_each_as_a_new_version(stack, databases):
    host, other = signup(stack.identity, "employer"), signup(stack.identity, "employer")
    published = call(stack.offers, "create_offer", actor(host), offer_body())
    hidden = call(stack.offers, "create_offer", actor(host), offer_body(title="Cachée"))
    call(stack.offers, "unpublish_offer", actor(host), hidden["id"])
    deleted = call(stack.offers, "create_offer", actor(host), offer_body(title="Supprimée"))
    call(stack.offers, "delete_offer", actor(host), deleted["id"])
    foreign = call(stack.offers, "create_offer", actor(other), offer_body(title="D'une autre équipe"))
    space, target = published["space_id"], published["space_id"] + 1000
    team = host["team_id"]

    # Deleted offers are neither counted nor moved (the space can go, they stay as they were).
    assert call(stack.offers, "count_space_offers", team, space) == 2
    assert call(stack.offers, "count_space_offers", other["team_id"], space) == 0
    assert call(stack.offers, "move_space_offers", other["team_id"], space, target) == 0
    assert call(stack.offers, "move_space_offers", team, space, space) == 0
    before = outbox_count(databases)

    assert call(stack.offers, "move_space_offers", team, space, target) == 2

    assert call(stack.offers, "count_space_offers", team, space) == 0
    assert call(stack.offers, "count_space_offers", team, target) == 2
    for offer, version in ((published, 2), (hidden, 3)):
        seen = call(stack.offers, "get_offer", actor(host), offer["id"])
        assert (seen["space_id"], stored(databases, offer["id"]).version) == (target, version)
    assert outbox_count(databases) == before + 2
    moved = eventually(lambda: (found := snapshots()) and len(found) == 2 and found)
    assert {offer_id: (s.team_id, s.space_id, s.version) for offer_id, s in moved.items()} == {
        published["id"]: (team, target, 2),
        hidden["id"]: (team, target, 3),
    }
    assert moved[hidden["id"]].status == "unpublished"
    assert (stored(databases, deleted["id"]).space_id, stored(databases, deleted["id"]).version) == (space, 2)
    assert stored(databases, foreign["id"]).space_id == foreign["space_id"]
    # Listed by their new space.
    listed = call(stack.offers, "list_offers", actor(host), target)
    assert sorted(item["id"] for item in listed["results"]) == sorted([published["id"], hidden["id"]])


# -- a member joins a team with their spaces --------------------------------------------------


def joined(user: dict[str, Any], team_id: int, space_ids: list[int]) -> dict[str, Any]:
    return TeamMemberJoined(
        user_id=user["user_id"], team_id=team_id, previous_team_id=user["team_id"], moved_space_ids=space_ids
    ).model_dump(mode="json")


def test_a_member_joining_a_team_brings_the_offers_of_their_spaces(stack, databases, amqp_uri):
    joiner, owner = signup(stack.identity, "employer"), signup(stack.identity, "employer")
    published = call(stack.offers, "create_offer", actor(joiner), offer_body())
    hidden = call(stack.offers, "create_offer", actor(joiner), offer_body(title="Cachée"))
    call(stack.offers, "unpublish_offer", actor(joiner), hidden["id"])
    deleted = call(stack.offers, "create_offer", actor(joiner), offer_body(title="Supprimée"))
    call(stack.offers, "delete_offer", actor(joiner), deleted["id"])
    elsewhere = call(stack.offers, "create_offer", actor(joiner), offer_body(title="Dans un espace qui reste"))
    with Session(databases.engine("offers")) as db:
        db.execute(update(Offer).where(Offer.id == elsewhere["id"]).values(space_id=elsewhere["space_id"] + 1000))
        db.commit()
    owners = call(stack.offers, "create_offer", actor(owner), offer_body(title="De l'équipe d'accueil"))
    space, team = published["space_id"], owner["team_id"]
    before = outbox_count(databases)

    data = joined(joiner, team, [space])
    with entrypoint_waiter(stack.offers, JOINED_HANDLER, timeout=10):
        event_id = publish_event(amqp_uri, "identity", TEAM_MEMBER_JOINED, data)

    # The live offers are the new team's, each a new version told to the others...
    member = {**actor(joiner), "team_id": team}
    for offer, version in ((published, 2), (hidden, 3)):
        seen = call(stack.offers, "get_offer", member, offer["id"])
        assert (seen["team_id"], seen["space_id"], stored(databases, offer["id"]).version) == (team, space, version)
        assert call(stack.offers, "get_offer", actor(owner), offer["id"])["team_id"] == team
    moved = eventually(lambda: (found := snapshots()) and len(found) == 2 and found)
    assert {offer_id: (s.team_id, s.space_id) for offer_id, s in moved.items()} == {
        published["id"]: (team, space),
        hidden["id"]: (team, space),
    }
    # ... the deleted one changed team without a snapshot (matching would show it again) ...
    gone = stored(databases, deleted["id"])
    assert (gone.team_id, gone.version) == (team, 2)
    assert outbox_count(databases) == before + 2
    # ... and the offers of other spaces stay where they are.
    assert stored(databases, elsewhere["id"]).team_id == joiner["team_id"]
    assert stored(databases, owners["id"]).version == 1
    assert call(stack.offers, "list_offers", actor(owner))["total"] == 3
    # The old team's tokens no longer reach them.
    assert status_of(refused(stack.offers, "get_offer", actor(joiner), published["id"])) == 404

    # The same event again (redelivered), or told twice: nothing more happens.
    with entrypoint_waiter(stack.offers, JOINED_HANDLER, timeout=10):
        publish_event(amqp_uri, "identity", TEAM_MEMBER_JOINED, data, event_id)
    with entrypoint_waiter(stack.offers, JOINED_HANDLER, timeout=10):
        publish_event(amqp_uri, "identity", TEAM_MEMBER_JOINED, data)
    assert outbox_count(databases) == before + 2
    assert stored(databases, published["id"]).version == 2


def test_a_member_joining_without_spaces_moves_nothing(stack, databases, amqp_uri):
    joiner, owner = signup(stack.identity, "employer"), signup(stack.identity, "employer")
    offer = call(stack.offers, "create_offer", actor(joiner), offer_body())
    before = outbox_count(databases)
    with entrypoint_waiter(stack.offers, JOINED_HANDLER, timeout=10):
        publish_event(amqp_uri, "identity", TEAM_MEMBER_JOINED, joined(joiner, owner["team_id"], []))
    assert stored(databases, offer["id"]).team_id == joiner["team_id"]
    assert outbox_count(databases) == before


# -- outside the team, an offer is not found --------------------------------------------------


ID_ROUTES: list[tuple[str, tuple[Any, ...]]] = [
    ("get_offer", ()),
    ("update_offer", ({"title": "Piraté"},)),
    ("delete_offer", ()),
    ("duplicate_offer", ()),
    ("publish_offer", ()),
    ("unpublish_offer", ()),
]


def test_every_route_taking_an_offer_id_answers_not_found_outside_the_team(stack, databases):
    owner = signup(stack.identity, "employer")
    outsiders = {
        "host of another team": actor(signup(stack.identity, "employer")),
        "pupil": actor(signup(stack.identity, "student")),
        "teacher": actor(signup(stack.identity, "teacher")),
        "head of school": actor(signup(stack.identity, "school_manager")),
        "employer without a team": {"user_id": 999, "role": "employer", "team_id": None},
    }
    published = call(stack.offers, "create_offer", actor(owner), offer_body())
    hidden = call(stack.offers, "create_offer", actor(owner), offer_body(title="Cachée"))
    call(stack.offers, "unpublish_offer", actor(owner), hidden["id"])
    before = outbox_count(databases)

    for who, outsider in outsiders.items():
        for offer in (published, hidden):
            for method, args in ID_ROUTES:
                error = refused(stack.offers, method, outsider, offer["id"], *args)
                assert (status_of(error), error.code, error.message) == (404, "NOT_FOUND", "Offre introuvable."), (
                    who,
                    method,
                )
        # The preview is public for a published offer only.
        assert call(stack.offers, "preview_offer", outsider, published["id"])["id"] == published["id"]
        assert status_of(refused(stack.offers, "preview_offer", outsider, hidden["id"])) == 404, who
    assert outbox_count(databases) == before
    assert stored(databases, published["id"]).title == published["title"]

    # Routes without an id still tell a pupil or a school user that they are not for them.
    for who in ("pupil", "teacher", "head of school"):
        assert status_of(refused(stack.offers, "create_offer", outsiders[who], offer_body())) == 403, who
        assert status_of(refused(stack.offers, "list_offers", outsiders[who])) == 403, who
    # The team itself reaches both, and previews its own unpublished offer.
    assert call(stack.offers, "get_offer", actor(owner), hidden["id"])["status"] == "unpublished"
    assert call(stack.offers, "preview_offer", actor(owner), hidden["id"])["id"] == hidden["id"]
