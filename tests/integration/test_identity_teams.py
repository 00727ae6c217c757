"""Teams in identity, in real containers on the real broker and database: invitations (accept,
refuse, expiry, withdrawal, the wrong invitee), removal of members, spaces and their deletion
with the real offers service, notification settings and their last recipient (raced), who is
told per space, and a 404 for outsiders on every route that names a team resource by id
(through a real gateway)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, ClassVar

import eventlet
import pytest
import requests
from nameko.events import event_handler
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common import session_tokens
from services.common.contracts import events
from services.common.database import utcnow
from services.common.errors import DomainError
from services.identity.models import NotificationSetting, Space, Team, TeamInvitation, User
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from services.offers.service import OffersService
from tests.support.databases import DatabaseSet
from tests.support.offers import offer_body

pytestmark = pytest.mark.integration

PASSWORD = "un-mot-de-passe-solide"
SCHOOL = "0752694W"


class TeamEventsListener:
    """Records identity's team and session events (queues vanish with the listener)."""

    name = "test_team_events_listener"
    received: ClassVar[list[dict[str, Any]]] = []

    @event_handler("identity", events.TEAM_INVITATION_SENT, reliable_delivery=False)
    def on_invitation_sent(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @event_handler("identity", events.TEAM_MEMBER_JOINED, reliable_delivery=False)
    def on_member_joined(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @event_handler("identity", events.TEAM_MEMBER_REMOVED, reliable_delivery=False)
    def on_member_removed(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @event_handler("identity", events.SESSION_REVOKED, reliable_delivery=False)
    def on_session_revoked(self, event: dict[str, Any]) -> None:
        self.received.append(event)


def wait_for(found: Callable[[], Any], timeout: float = 10.0) -> Any:
    """The first truthy answer of ``found``, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        answer = found()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError("not found in time")
        eventlet.sleep(0.05)


def events_of(event_type: str, **data: Any) -> list[dict[str, Any]]:
    return [
        event["data"]
        for event in TeamEventsListener.received
        if event["event_type"] == event_type and all(event["data"].get(k) == v for k, v in data.items())
    ]


class Person:
    """An account, logged in: its token and the actor the gateway would pass for it."""

    def __init__(self, user: dict[str, Any], token: str) -> None:
        self.user = user
        self.token = token

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def team_id(self) -> int:
        return int(self.user["team_id"])

    @property
    def actor(self) -> dict[str, Any]:
        return {
            "user_id": self.id,
            "role": self.user["role"],
            "team_id": self.user["team_id"],
            "school_uai": self.user["school_uai"],
            "grade": self.user["grade"],
        }

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Platform:
    """Identity (with matching and offers) over the bus, and its database."""

    def __init__(self, rpc: Any, databases: DatabaseSet, amqp_uri: str) -> None:
        self.rpc = rpc
        self.identity = rpc.identity
        self.offers = rpc.offers
        self.databases = databases
        self.amqp_uri = amqp_uri

    def db(self) -> Session:
        return Session(self.databases.engine("identity"))

    def person(self, email: str, first_name: str, role: str = "employer", **fields: Any) -> Person:
        body = {"email": email, "password": PASSWORD, "first_name": first_name, "last_name": "Test", "role": role}
        user = self.identity.signup({**body, **fields})
        # The confirmation link is tested elsewhere: confirmed here directly.
        with self.db() as db, db.begin():
            db.execute(update(User).where(User.id == user["id"]).values(email_confirmed_at=utcnow()))
        return self.login(email)

    def login(self, email: str) -> Person:
        answer = self.identity.login({"email": email, "password": PASSWORD})
        return Person(answer["user"], answer["token"])

    def invite(self, inviter: Person, email: str) -> tuple[dict[str, Any], str]:
        """The invitation and the token its email carries."""
        invitation = self.identity.invite_to_team(inviter.actor, {"email": email})
        [sent] = wait_for(lambda: events_of(events.TEAM_INVITATION_SENT, invitation_id=invitation["id"]))
        return invitation, sent["invitation_token"]

    def join(self, inviter: Person, invitee: Person) -> Person:
        """``invitee`` joins ``inviter``'s team; answers them with their new token."""
        _, token = self.invite(inviter, invitee.user["email"])
        joined = self.identity.accept_invitation(invitee.actor, {"token": token})
        return Person(joined["user"], joined["token"])

    def space(self, member: Person, name: str) -> dict[str, Any]:
        return self.identity.create_space(member.actor, {"name": name})

    def settings(self, member: Person, space_id: int) -> dict[int, bool]:
        return {row["user_id"]: row["notify"] for row in self.identity.space_notifications(member.actor, space_id)}

    def session_active(self, person: Person) -> bool:
        claims = session_tokens.read(SECRET_KEY, person.token)
        return bool(self.identity.is_session_active(claims.session_id))


SECRET_KEY = "test-secret-key-not-for-production-0123456789"


@pytest.fixture
def platform(start_service: Callable[..., Any], databases: DatabaseSet, amqp_uri: str) -> Iterator[Platform]:
    TeamEventsListener.received.clear()
    start_service(TeamEventsListener)
    start_service(MatchingService)
    start_service(IdentityService)
    start_service(OffersService)
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=15) as rpc:
        yield Platform(rpc, databases, amqp_uri)


def refused(call: Callable[..., Any], *args: Any) -> tuple[int, str]:
    with pytest.raises(DomainError) as error:
        call(*args)
    return status_of(error.value), error.value.code


# -- invitations ---------------------------------------------------------------------------------


def test_accepting_brings_a_lone_members_spaces_renamed_and_deletes_their_team(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    lyon = platform.space(alice, "Lyon")
    bob = platform.person("Bob@Garage.example", "Bob")
    bob_default = platform.identity.team_spaces(bob.team_id)[0]
    bob_lyon = platform.space(bob, "lyon")
    bob_marseille = platform.space(bob, "Marseille")
    bob_offer = platform.offers.create_offer(bob.actor, offer_body(space_id=bob_marseille["id"]))
    bob_elsewhere = platform.login("bob@garage.example")  # a second open session

    invitation, token = platform.invite(alice, "BOB@garage.example ")
    assert (invitation["email"], invitation["status"], invitation["invited_by"]) == (
        "bob@garage.example",
        "pending",
        alice.id,
    )
    assert [i["id"] for i in platform.identity.get_team(alice.actor)["invitations"]] == [invitation["id"]]
    [sent] = events_of(events.TEAM_INVITATION_SENT)
    assert (sent["email"], sent["team_id"], sent["inviter_name"]) == ("bob@garage.example", alice.team_id, "Alice Test")
    with platform.db() as db:
        stored = db.scalars(select(TeamInvitation.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64

    joined = platform.identity.accept_invitation(bob.actor, {"token": token})

    # A fresh token naming the new team; every previous session ended.
    claims = session_tokens.read(SECRET_KEY, joined["token"])
    assert (claims.user_id, claims.team_id) == (bob.id, alice.team_id)
    assert joined["user"]["team_id"] == alice.team_id
    assert not platform.session_active(bob) and not platform.session_active(bob_elsewhere)
    assert platform.session_active(Person(joined["user"], joined["token"]))
    wait_for(lambda: len(events_of(events.SESSION_REVOKED, user_id=bob.id)) == 2)
    # The spaces came along, renamed on a clash, none of them default any more.
    team = joined["team"]
    assert [(s["name"], s["is_default"]) for s in team["spaces"]] == [
        ("Espace principal", True),
        ("Lyon", False),
        ("Espace principal (2)", False),
        ("lyon (2)", False),
        ("Marseille", False),
    ]
    assert {s["id"] for s in team["spaces"][2:]} == {bob_default["id"], bob_lyon["id"], bob_marseille["id"]}
    assert [(m["user_id"], m["is_owner"]) for m in team["members"]] == [(alice.id, True), (bob.id, False)]
    assert team["invitations"] == []
    assert team == platform.identity.get_team(alice.actor)
    with platform.db() as db:
        assert db.get(Team, bob.team_id) is None
        assert db.get(TeamInvitation, invitation["id"]).status == "accepted"
    [event] = wait_for(lambda: events_of(events.TEAM_MEMBER_JOINED, user_id=bob.id))
    assert event == {
        "user_id": bob.id,
        "team_id": alice.team_id,
        "previous_team_id": bob.team_id,
        "moved_space_ids": sorted([bob_default["id"], bob_lyon["id"], bob_marseille["id"]]),
    }
    # Everyone is notified for every space: the newcomer for all, the others for the new ones.
    for space in team["spaces"]:
        assert platform.settings(alice, space["id"]) == {alice.id: True, bob.id: True}
    # The offers service moved the offers of the spaces that came along.
    alice_offers = wait_for(lambda: platform.offers.list_offers(alice.actor)["results"])
    assert [(o["id"], o["space_id"]) for o in alice_offers] == [(bob_offer["id"], bob_marseille["id"])]
    # The link is used up.
    assert refused(platform.identity.accept_invitation, bob.actor, {"token": token}) == (404, "NOT_FOUND")
    assert lyon in platform.identity.team_spaces(alice.team_id)


def test_accepting_from_a_shared_team_leaves_everything_there_and_hands_ownership_on(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.person("bob@garage.example", "Bob")
    carol = platform.join(bob, platform.person("carol@garage.example", "Carol"))
    garage_spaces = platform.identity.team_spaces(bob.team_id)

    joined = platform.join(alice, bob)

    assert joined.team_id == alice.team_id
    assert [s["name"] for s in platform.identity.team_spaces(alice.team_id)] == ["Espace principal"]
    assert platform.identity.team_spaces(bob.team_id) == garage_spaces
    garage = platform.identity.get_team(carol.actor)
    assert [(m["user_id"], m["is_owner"]) for m in garage["members"]] == [(carol.id, True)]
    assert platform.settings(carol, garage_spaces[0]["id"]) == {carol.id: True}
    with platform.db() as db:
        assert db.get(Team, bob.team_id).owner_id == carol.id
        # The leaver keeps no setting in the team they left.
        assert db.get(NotificationSetting, (garage_spaces[0]["id"], bob.id)) is None
    [event] = wait_for(lambda: events_of(events.TEAM_MEMBER_JOINED, user_id=bob.id))
    assert (event["previous_team_id"], event["moved_space_ids"]) == (bob.team_id, [])


def test_refusing_expiring_withdrawing_replacing_and_the_wrong_invitee(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.person("bob@garage.example", "Bob")
    dave = platform.person("dave@garage.example", "Dave")
    pupil = platform.person("zoe@example.fr", "Zoé", "student", school_uai=SCHOOL, grade="troisieme")
    identity = platform.identity

    # Someone already in the team cannot be invited.
    assert refused(identity.invite_to_team, alice.actor, {"email": "ALICE@boulangerie.example"}) == (
        409,
        "ALREADY_MEMBER",
    )
    assert refused(identity.invite_to_team, alice.actor, {"email": "pas-une-adresse"})[0] == 422
    assert refused(identity.invite_to_team, pupil.actor, {"email": "x@example.fr"}) == (403, "FORBIDDEN")

    # Refused: the link stops working.
    refused_invitation, token = platform.invite(alice, "bob@garage.example")
    assert refused(identity.accept_invitation, dave.actor, {"token": token}) == (403, "INVITATION_NOT_FOR_YOU")
    assert refused(identity.accept_invitation, pupil.actor, {"token": token}) == (403, "FORBIDDEN")
    answer = identity.refuse_invitation(bob.actor, {"token": token})
    assert (answer["id"], answer["status"]) == (refused_invitation["id"], "refused")
    assert refused(identity.accept_invitation, bob.actor, {"token": token}) == (404, "NOT_FOUND")
    assert refused(identity.accept_invitation, bob.actor, {"token": "inconnu"}) == (404, "NOT_FOUND")

    # A new invitation to the same address replaces the pending one: only the newest link works.
    first, first_token = platform.invite(alice, "bob@garage.example")
    second, second_token = platform.invite(alice, "bob@garage.example")
    assert [i["id"] for i in identity.get_team(alice.actor)["invitations"]] == [second["id"]]
    assert refused(identity.accept_invitation, bob.actor, {"token": first_token}) == (404, "NOT_FOUND")

    # Expired after 7 days: 410, and no longer listed.
    assert second["expires_at"] > utcnow().isoformat()
    with platform.db() as db, db.begin():
        db.execute(
            update(TeamInvitation)
            .where(TeamInvitation.id == second["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert refused(identity.accept_invitation, bob.actor, {"token": second_token}) == (410, "INVITATION_EXPIRED")
    assert refused(identity.refuse_invitation, bob.actor, {"token": second_token}) == (410, "INVITATION_EXPIRED")
    assert identity.get_team(alice.actor)["invitations"] == []

    # Withdrawn by any member: the link stops working; withdrawing twice is a 404.
    third, third_token = platform.invite(alice, "bob@garage.example")
    assert refused(identity.withdraw_invitation, dave.actor, third["id"]) == (404, "NOT_FOUND")
    identity.withdraw_invitation(alice.actor, third["id"])
    assert refused(identity.withdraw_invitation, alice.actor, third["id"]) == (404, "NOT_FOUND")
    assert refused(identity.accept_invitation, bob.actor, {"token": third_token}) == (404, "NOT_FOUND")
    with platform.db() as db:
        statuses = dict(db.execute(select(TeamInvitation.id, TeamInvitation.status)).all())
    assert statuses == {
        refused_invitation["id"]: "refused",
        first["id"]: "withdrawn",
        # Expired, then replaced by the third.
        second["id"]: "withdrawn",
        third["id"]: "withdrawn",
    }
    # Nobody moved, nobody's sessions ended.
    assert platform.session_active(bob) and platform.identity.get_user(bob.id)["team_id"] == bob.team_id


def test_resending_issues_a_new_token_and_the_old_one_stops_working(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.person("bob@garage.example", "Bob")
    platform.space(bob, "Marseille")
    carol = platform.join(alice, platform.person("carol@boulangerie.example", "Carol"))
    dave = platform.person("dave@ailleurs.example", "Dave")
    erin = platform.join(dave, platform.person("erin@ailleurs.example", "Erin"))
    identity = platform.identity

    invitation, old_token = platform.invite(alice, "bob@garage.example")
    assert invitation["sent_at"] == invitation["created_at"] and invitation["sendings"] == 1
    with platform.db() as db, db.begin():
        # Sent a day ago, so that the resend's moment is told apart from the first one.
        db.execute(
            update(TeamInvitation)
            .where(TeamInvitation.id == invitation["id"])
            .values(sent_at=utcnow() - timedelta(days=1), expires_at=utcnow() + timedelta(days=6))
        )
        old_hash = db.scalar(select(TeamInvitation.token_hash).where(TeamInvitation.id == invitation["id"]))

    # Any member of the team resends; the email names them and carries a new token.
    resent = identity.resend_invitation(carol.actor, invitation["id"])
    [_, sent] = wait_for(
        lambda: len(found := events_of(events.TEAM_INVITATION_SENT, invitation_id=invitation["id"])) == 2 and found
    )
    new_token = sent["invitation_token"]
    assert new_token != old_token and sent["inviter_name"] == "Carol Test"
    # Bob is alone in his team: his spaces and their offers would come along.
    assert (sent["joining"], sent["moving_spaces"]) == ("alone", ["Espace principal", "Marseille"])
    assert (resent["id"], resent["status"], resent["sendings"]) == (invitation["id"], "pending", 2)
    assert resent["created_at"] == invitation["created_at"]
    assert resent["sent_at"] > invitation["sent_at"] and resent["expires_at"] > invitation["expires_at"]
    assert identity.get_team(alice.actor)["invitations"] == [resent]
    with platform.db() as db:
        new_hash = db.scalar(select(TeamInvitation.token_hash).where(TeamInvitation.id == invitation["id"]))
    assert new_hash != old_hash and new_token not in new_hash

    # The old link fails as an unknown one does; the new one works.
    unknown = refused(identity.accept_invitation, bob.actor, {"token": "inconnu"})
    assert refused(identity.accept_invitation, bob.actor, {"token": old_token}) == unknown == (404, "NOT_FOUND")
    assert refused(identity.invitation_preview, bob.actor, {"token": old_token}) == unknown
    assert identity.invitation_preview(bob.actor, {"token": new_token})["email"] == "bob@garage.example"

    # Another team's invitation, or one no longer pending, is not found.
    assert refused(identity.resend_invitation, dave.actor, invitation["id"]) == (404, "NOT_FOUND")
    joined = identity.accept_invitation(bob.actor, {"token": new_token})
    assert joined["user"]["team_id"] == alice.team_id
    assert refused(identity.resend_invitation, alice.actor, invitation["id"]) == (404, "NOT_FOUND")
    assert len(events_of(events.TEAM_INVITATION_SENT, invitation_id=invitation["id"])) == 2

    # Someone sharing a team with others: nothing of theirs would move.
    shared, _ = platform.invite(alice, "erin@ailleurs.example")
    [sent] = events_of(events.TEAM_INVITATION_SENT, invitation_id=shared["id"])
    assert (sent["joining"], sent["moving_spaces"]) == ("with_others", [])
    # No account at that address yet.
    newcomer, _ = platform.invite(alice, "nouveau@example.fr")
    [sent] = events_of(events.TEAM_INVITATION_SENT, invitation_id=newcomer["id"])
    assert (sent["joining"], sent["moving_spaces"]) == ("new", [])
    assert erin.team_id == dave.team_id


# -- removing members --------------------------------------------------------------------------


def test_removing_members_gives_them_a_team_of_their_own_and_ends_their_sessions(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.join(alice, platform.person("bob@garage.example", "Bob"))
    carol = platform.join(alice, platform.person("carol@garage.example", "Carol"))
    outsider = platform.person("dave@ailleurs.example", "Dave")
    lyon = platform.space(alice, "Lyon")
    identity = platform.identity
    # Only Bob receives Lyon's notifications.
    identity.set_space_notification(alice.actor, lyon["id"], alice.id, {"notify": False})
    identity.set_space_notification(alice.actor, lyon["id"], carol.id, {"notify": False})

    assert refused(identity.remove_member, carol.actor, bob.id) == (403, "FORBIDDEN")
    assert refused(identity.remove_member, bob.actor, alice.id) == (409, "OWNER_CANNOT_BE_REMOVED")
    assert refused(identity.remove_member, alice.actor, alice.id) == (409, "OWNER_CANNOT_BE_REMOVED")
    assert refused(identity.remove_member, alice.actor, outsider.id) == (404, "NOT_FOUND")
    assert refused(identity.remove_member, outsider.actor, bob.id) == (404, "NOT_FOUND")

    ended = identity.remove_member(alice.actor, bob.id)

    claims = session_tokens.read(SECRET_KEY, bob.token)
    assert ended == [claims.session_id]
    assert not platform.session_active(bob)
    bob_now = identity.get_user(bob.id)
    assert bob_now["team_id"] not in (None, alice.team_id)
    assert identity.team_spaces(bob_now["team_id"]) == [
        {"id": identity.team_spaces(bob_now["team_id"])[0]["id"], "name": "Espace principal", "is_default": True}
    ]
    [removed] = wait_for(lambda: events_of(events.TEAM_MEMBER_REMOVED, user_id=bob.id))
    assert removed == {"user_id": bob.id, "team_id": alice.team_id, "new_team_id": bob_now["team_id"]}
    assert wait_for(lambda: events_of(events.SESSION_REVOKED, session_id=claims.session_id))
    # Lyon was Bob's alone: the owner receives it now. Bob keeps no setting in the team.
    assert platform.settings(alice, lyon["id"]) == {alice.id: True, carol.id: False}
    with platform.db() as db:
        assert (
            db.scalar(
                select(func.count()).select_from(NotificationSetting).where(NotificationSetting.space_id == lyon["id"])
            )
            == 2
        )
    # Bob's new team is his; what he reaches now is that team only.
    bob = platform.login("bob@garage.example")
    assert [(m["user_id"], m["is_owner"]) for m in identity.get_team(bob.actor)["members"]] == [(bob.id, True)]
    assert refused(identity.space_notifications, bob.actor, lyon["id"]) == (404, "NOT_FOUND")

    # A member leaves on their own.
    identity.remove_member(carol.actor, carol.id)
    assert [m["user_id"] for m in identity.get_team(alice.actor)["members"]] == [alice.id]
    assert not platform.session_active(carol)


# -- spaces ---------------------------------------------------------------------------------------


def test_spaces_are_created_renamed_and_deleted_when_empty_or_emptied(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.join(alice, platform.person("bob@garage.example", "Bob"))
    outsider = platform.person("dave@ailleurs.example", "Dave")
    identity = platform.identity
    default = identity.team_spaces(alice.team_id)[0]

    lyon = identity.create_space(bob.actor, {"name": "  Lyon  "})
    assert (lyon["name"], lyon["is_default"]) == ("Lyon", False)
    assert platform.settings(alice, lyon["id"]) == {alice.id: True, bob.id: True}
    assert refused(identity.create_space, alice.actor, {"name": "LYON"}) == (409, "SPACE_NAME_TAKEN")
    assert refused(identity.create_space, alice.actor, {"name": ""})[0] == 422
    assert refused(identity.create_space, alice.actor, {"name": "x" * 101})[0] == 422
    # The same name in another team is fine.
    identity.create_space(outsider.actor, {"name": "Lyon"})

    renamed = identity.rename_space(alice.actor, lyon["id"], {"name": "Lyon Sud"})
    assert renamed == {"id": lyon["id"], "name": "Lyon Sud", "is_default": False}
    assert identity.rename_space(alice.actor, lyon["id"], {"name": "LYON SUD"})["name"] == "LYON SUD"
    assert refused(identity.rename_space, alice.actor, lyon["id"], {"name": "espace principal"}) == (
        409,
        "SPACE_NAME_TAKEN",
    )

    assert refused(identity.delete_space, alice.actor, default["id"]) == (409, "DEFAULT_SPACE")
    offer = platform.offers.create_offer(alice.actor, offer_body(space_id=lyon["id"]))
    with pytest.raises(DomainError) as not_empty:
        identity.delete_space(alice.actor, lyon["id"])
    assert (status_of(not_empty.value), not_empty.value.code) == (409, "SPACE_NOT_EMPTY")
    assert "1 offre" in not_empty.value.message
    other_team_space = identity.team_spaces(outsider.team_id)[0]
    assert refused(identity.delete_space, alice.actor, lyon["id"], other_team_space["id"])[0] == 422
    assert refused(identity.delete_space, alice.actor, lyon["id"], lyon["id"])[0] == 422

    identity.delete_space(alice.actor, lyon["id"], default["id"])

    assert platform.offers.get_offer(alice.actor, offer["id"])["space_id"] == default["id"]
    assert lyon["id"] not in [s["id"] for s in identity.team_spaces(alice.team_id)]
    with platform.db() as db:
        assert db.get(Space, lyon["id"]) is None
        assert (
            db.scalars(select(NotificationSetting.space_id).where(NotificationSetting.space_id == lyon["id"])).all()
            == []
        )
    # An empty space goes without move_to.
    empty = identity.create_space(alice.actor, {"name": "Vide"})
    identity.delete_space(alice.actor, empty["id"])
    assert refused(identity.delete_space, alice.actor, empty["id"]) == (404, "NOT_FOUND")


# -- notification settings ------------------------------------------------------------------------


def test_any_member_sets_anyones_setting_but_never_the_last_recipients(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.join(alice, platform.person("bob@garage.example", "Bob"))
    identity = platform.identity
    default = identity.team_spaces(alice.team_id)[0]

    assert identity.space_notifications(alice.actor, default["id"]) == [
        {"user_id": alice.id, "notify": True, "first_name": "Alice", "last_name": "Test"},
        {"user_id": bob.id, "notify": True, "first_name": "Bob", "last_name": "Test"},
    ]
    assert identity.set_space_notification(alice.actor, default["id"], bob.id, {"notify": False}) == {
        "user_id": bob.id,
        "notify": False,
        "first_name": "Bob",
        "last_name": "Test",
    }
    assert refused(identity.set_space_notification, bob.actor, default["id"], alice.id, {"notify": False}) == (
        409,
        "LAST_RECIPIENT",
    )
    # Unticking someone already unticked leaves Alice: allowed.
    identity.set_space_notification(alice.actor, default["id"], bob.id, {"notify": False})
    identity.set_space_notification(bob.actor, default["id"], bob.id, {"notify": True})
    identity.set_space_notification(bob.actor, default["id"], alice.id, {"notify": False})
    assert platform.settings(alice, default["id"]) == {alice.id: False, bob.id: True}
    assert refused(identity.set_space_notification, alice.actor, default["id"], 999_999, {"notify": True}) == (
        404,
        "NOT_FOUND",
    )
    assert (
        refused(identity.set_space_notification, alice.actor, default["id"], bob.id, {"notify": "peut-être"})[0] == 422
    )


def test_two_members_unticking_themselves_at_once_cannot_both_succeed(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.join(alice, platform.person("bob@garage.example", "Bob"))
    default = platform.identity.team_spaces(alice.team_id)[0]
    config = {"AMQP_URI": platform.amqp_uri}

    def untick(member: Person) -> str:
        # One client per green thread: a shared standalone proxy is not safe under eventlet.
        with ClusterRpcProxy(config, timeout=15) as rpc:
            try:
                rpc.identity.set_space_notification(member.actor, default["id"], member.id, {"notify": False})
            except DomainError as exc:
                return exc.code
            return "ok"

    for _ in range(8):
        outcomes = sorted(eventlet.GreenPool().imap(untick, [alice, bob]))
        assert outcomes == ["LAST_RECIPIENT", "ok"]
        settings = platform.settings(alice, default["id"])
        assert sorted(settings.values()) == [False, True]
        for member in (alice, bob):
            platform.identity.set_space_notification(alice.actor, default["id"], member.id, {"notify": True})


def test_host_recipients_are_the_members_notified_for_the_space_else_the_owner(platform: Platform) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.join(alice, platform.person("bob@garage.example", "Bob"))
    outsider = platform.person("dave@ailleurs.example", "Dave")
    identity = platform.identity
    default = identity.team_spaces(alice.team_id)[0]
    lyon = platform.space(bob, "Lyon")
    identity.set_space_notification(bob.actor, lyon["id"], alice.id, {"notify": False})

    def emails(space_id: int | None) -> list[str]:
        return [r["email"] for r in identity.host_recipients(alice.team_id, space_id)]

    assert emails(default["id"]) == ["alice@boulangerie.example", "bob@garage.example"]
    assert emails(lyon["id"]) == ["bob@garage.example"]
    assert identity.host_recipients(alice.team_id, lyon["id"]) == [
        {"user_id": bob.id, "email": "bob@garage.example", "first_name": "Bob", "last_name": "Test"}
    ]
    # No space, an unknown one or another team's: the owner.
    assert emails(None) == ["alice@boulangerie.example"]
    assert emails(999_999) == ["alice@boulangerie.example"]
    assert emails(identity.team_spaces(outsider.team_id)[0]["id"]) == ["alice@boulangerie.example"]
    assert identity.host_recipients(999_999, None) == []


# -- through the gateway: the routes, their OpenAPI, and outsiders ----------------------------------


def http(method: str, url: str, **options: Any) -> requests.Response:
    return requests.request(method, url, timeout=15, **options)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gateway(platform: Platform, start_service: Callable[..., Any]) -> str:
    from gateway.service import GatewayService

    port = free_port()
    start_service(GatewayService, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
    return f"http://127.0.0.1:{port}"


def test_a_team_through_the_gateway_and_its_openapi(platform: Platform, gateway: str) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.person("bob@garage.example", "Bob")
    api = f"{gateway}/api/v1"

    invited = http("POST", f"{api}/team/invitations", json={"email": "bob@garage.example"}, headers=alice.headers)
    assert invited.status_code == 201, invited.text
    [sent] = wait_for(lambda: events_of(events.TEAM_INVITATION_SENT, invitation_id=invited.json()["id"]))
    accepted = http(
        "POST", f"{api}/team/invitations/accept", json={"token": sent["invitation_token"]}, headers=bob.headers
    )
    assert accepted.status_code == 200, accepted.text
    assert set(accepted.json()) == {"token", "user", "team"}
    # The old token stops at once; the new one names the team.
    assert http("GET", f"{api}/team", headers=bob.headers).status_code == 401
    bob = Person(accepted.json()["user"], accepted.json()["token"])
    team = http("GET", f"{api}/team", headers=bob.headers)
    assert team.status_code == 200
    assert [m["email"] for m in team.json()["members"]] == ["alice@boulangerie.example", "bob@garage.example"]

    space = http("POST", f"{api}/spaces", json={"name": "Lyon"}, headers=bob.headers)
    assert space.status_code == 201
    assert http("POST", f"{api}/spaces", json={"name": "lyon"}, headers=bob.headers).json()["code"] == (
        "SPACE_NAME_TAKEN"
    )
    space_url = f"{api}/spaces/{space.json()['id']}"
    assert http("PATCH", space_url, json={"name": "Lyon Sud"}, headers=alice.headers).json()["name"] == "Lyon Sud"
    assert http("GET", f"{space_url}/notifications", headers=alice.headers).json() == [
        {"user_id": alice.id, "notify": True, "first_name": "Alice", "last_name": "Test"},
        {"user_id": bob.id, "notify": True, "first_name": "Bob", "last_name": "Test"},
    ]
    unticked = http("PUT", f"{space_url}/notifications/{alice.id}", json={"notify": False}, headers=bob.headers)
    assert (unticked.status_code, unticked.json()["notify"]) == (200, False)
    last = http("PUT", f"{space_url}/notifications/{bob.id}", json={"notify": False}, headers=alice.headers)
    assert (last.status_code, last.json()["code"]) == (409, "LAST_RECIPIENT")
    assert "message" in last.json()
    assert http("DELETE", f"{space_url}?move_to=abc", headers=alice.headers).status_code == 422
    assert http("DELETE", space_url, headers=alice.headers).status_code == 204

    removed = http("DELETE", f"{api}/team/members/{bob.id}", headers=alice.headers)
    assert removed.status_code == 204
    assert http("GET", f"{api}/team", headers=bob.headers).status_code == 401

    document = http("GET", f"{gateway}/api/openapi.json").json()
    expected = {
        ("get", "/api/v1/team"),
        ("post", "/api/v1/team/invitations"),
        ("delete", "/api/v1/team/invitations/{invitation_id}"),
        ("post", "/api/v1/team/invitations/accept"),
        ("post", "/api/v1/team/invitations/refuse"),
        ("delete", "/api/v1/team/members/{user_id}"),
        ("post", "/api/v1/spaces"),
        ("patch", "/api/v1/spaces/{space_id}"),
        ("delete", "/api/v1/spaces/{space_id}"),
        ("get", "/api/v1/spaces/{space_id}/notifications"),
        ("put", "/api/v1/spaces/{space_id}/notifications/{user_id}"),
    }
    for method, path in expected:
        assert document["paths"][path][method]["tags"] == ["équipe"], (method, path)
    assert "409" in document["paths"]["/api/v1/spaces/{space_id}/notifications/{user_id}"]["put"]["responses"]


def test_outsiders_get_404_on_every_route_naming_a_team_resource(platform: Platform, gateway: str) -> None:
    alice = platform.person("alice@boulangerie.example", "Alice")
    bob = platform.join(alice, platform.person("bob@garage.example", "Bob"))
    space = platform.space(alice, "Lyon")
    invitation, _ = platform.invite(alice, "carol@example.fr")
    other_team = platform.person("dave@ailleurs.example", "Dave")
    pupil = platform.person("zoe@example.fr", "Zoé", "student", school_uai=SCHOOL, grade="troisieme")
    teacher = platform.person("prof@college.example", "Théo", "teacher", school_uai=SCHOOL)
    api = f"{gateway}/api/v1"
    space_url = f"{api}/spaces/{space['id']}"
    routes = [
        ("PATCH", space_url, {"name": "Pris"}),
        ("DELETE", space_url, None),
        ("DELETE", f"{space_url}?move_to={space['id']}", None),
        ("GET", f"{space_url}/notifications", None),
        ("PUT", f"{space_url}/notifications/{bob.id}", {"notify": False}),
        ("DELETE", f"{api}/team/members/{bob.id}", None),
        ("DELETE", f"{api}/team/invitations/{invitation['id']}", None),
        ("POST", f"{api}/team/invitations/{invitation['id']}/resend", None),
    ]
    for outsider in (other_team, pupil, teacher):
        for method, url, body in routes:
            answer = http(method, url, json=body, headers=outsider.headers)
            assert (answer.status_code, answer.json()["code"]) == (404, "NOT_FOUND"), (
                outsider.user["role"],
                method,
                url,
            )
    for outsider in (pupil, teacher):
        assert http("GET", f"{api}/team", headers=outsider.headers).status_code == 403
        assert http("POST", f"{api}/spaces", json={"name": "X"}, headers=outsider.headers).status_code == 403
        assert (
            http("POST", f"{api}/team/invitations", json={"email": "x@example.fr"}, headers=outsider.headers)
        ).status_code == 403
    # Nothing changed.
    assert space in platform.identity.team_spaces(alice.team_id)
    assert platform.settings(alice, space["id"]) == {alice.id: True, bob.id: True}
    assert [i["id"] for i in platform.identity.get_team(alice.actor)["invitations"]] == [invitation["id"]]
    assert [m["user_id"] for m in platform.identity.get_team(alice.actor)["members"]] == [alice.id, bob.id]
