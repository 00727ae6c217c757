"""Drafts of offers (« brouillons »): saved as typed, team-scoped, submitted as offers.

identity (spaces), matching (schools) and offers run in real containers on the real broker
and database (SQLite or PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import offers as contract
from services.common.contracts.events import TEAM_MEMBER_JOINED, TeamMemberJoined
from services.identity.models import Space
from services.offers.models import Offer, OfferDraft, OutboxMessage
from tests.support.conventions import actor, call, signup
from tests.support.entrypoints import refused
from tests.support.events import publish_event
from tests.support.listener import OfferEventsListener
from tests.support.offer_services import OfferServices, start_offer_services
from tests.support.offers import offer_body
from tests.support.vhosts import private_vhost

pytestmark = pytest.mark.integration


@pytest.fixture
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of each test's own: an event left in a queue never reaches the next test."""
    with private_vhost(amqp_uri, "e1s-test-drafts") as uri:
        yield uri


@pytest.fixture
def stack(start_service: Callable[..., Any]) -> OfferServices:
    return start_offer_services(start_service)


def count(databases: Any, model: type) -> int:
    with Session(databases.engine("offers")) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_draft_keeps_what_was_typed_and_is_replaced_listed_and_deleted(stack, databases):
    host = actor(signup(stack.identity, "employer"))
    typed = {"title": "Découverte du fournil", "employer": {"name": "Boulangerie", "siret": "7328"}, "step": 2}
    draft = call(stack.offers, "save_offer_draft", host, None, typed)
    assert contract.OfferDraftOut.model_validate(draft).model_dump() == draft
    assert (draft["offer_id"], draft["content"]) == (None, typed)
    assert draft["created_at"] == draft["updated_at"]

    more = {**typed, "place": {"zipcode": "69004", "city": "Lyon"}, "daily_hours": {"lundi": ["9:00", ""]}}
    saved = call(stack.offers, "save_offer_draft", host, draft["id"], more)
    assert (saved["id"], saved["content"], saved["created_at"]) == (draft["id"], more, draft["created_at"])
    assert saved["updated_at"] >= draft["updated_at"]
    assert call(stack.offers, "get_offer_draft", host, draft["id"]) == saved

    other = call(stack.offers, "save_offer_draft", host, None, {})
    assert [d["id"] for d in call(stack.offers, "list_offer_drafts", host)] == [other["id"], draft["id"]]
    call(stack.offers, "save_offer_draft", host, draft["id"], {**more, "title": "Plus récent"})
    assert [d["id"] for d in call(stack.offers, "list_offer_drafts", host)] == [draft["id"], other["id"]]

    assert call(stack.offers, "delete_offer_draft", host, other["id"]) is None
    assert status_of(refused(stack.offers, "get_offer_draft", host, other["id"])) == 404
    assert [d["id"] for d in call(stack.offers, "list_offer_drafts", host)] == [draft["id"]]
    assert count(databases, Offer) == 0 and count(databases, OutboxMessage) == 0


def test_drafts_are_the_teams_alone_and_hosts_only(stack):
    owner = actor(signup(stack.identity, "employer"))
    stranger = actor(signup(stack.identity, "employer"))
    pupil = actor(signup(stack.identity, "student"))
    draft = call(stack.offers, "save_offer_draft", owner, None, {"title": "À nous"})
    offer = call(stack.offers, "create_offer", owner, offer_body())

    for method, args in (
        ("get_offer_draft", (draft["id"],)),
        ("save_offer_draft", (draft["id"], {"title": "Piraté"})),
        ("delete_offer_draft", (draft["id"],)),
        ("submit_offer_draft", (draft["id"],)),
        ("save_offer_draft", (None, {}, offer["id"])),
    ):
        error = refused(stack.offers, method, stranger, *args)
        assert (status_of(error), error.code) == (404, "NOT_FOUND"), method
    assert call(stack.offers, "list_offer_drafts", stranger) == []
    for method, args in (
        ("list_offer_drafts", ()),
        ("save_offer_draft", (None, {})),
        ("get_offer_draft", (draft["id"],)),
        ("submit_offer_draft", (draft["id"],)),
    ):
        assert status_of(refused(stack.offers, method, pupil, *args)) == 403, method
    # A colleague of the same team sees and edits it (the team shares its offers and drafts).
    colleague = {**stranger, "team_id": owner["team_id"]}
    assert call(stack.offers, "get_offer_draft", colleague, draft["id"])["content"] == {"title": "À nous"}


def test_a_draft_is_a_json_object_of_64_kb_at_most(stack):
    host = actor(signup(stack.identity, "employer"))
    for content in (["liste"], "texte", None):
        error = refused(stack.offers, "save_offer_draft", host, None, content)
        assert (status_of(error), error.code, list(error.fields)) == (422, "VALIDATION_ERROR", ["content"])
    just_enough = {"description": "é" * (32 * 1024 - 20)}  # two bytes a letter in UTF-8
    assert call(stack.offers, "save_offer_draft", host, None, just_enough)["content"] == just_enough
    too_big = {"description": "x" * (64 * 1024)}
    error = refused(stack.offers, "save_offer_draft", host, None, too_big)
    assert error.fields["content"][0].startswith("Le brouillon dépasse 64 Ko")
    draft = call(stack.offers, "save_offer_draft", host, None, {"title": "Court"})
    refused(stack.offers, "save_offer_draft", host, draft["id"], too_big)
    assert call(stack.offers, "get_offer_draft", host, draft["id"])["content"] == {"title": "Court"}


def test_a_new_draft_submitted_becomes_an_unpublished_offer(stack, databases):
    host = actor(signup(stack.identity, "employer"))
    partial = {"title": "Sans le reste", "employer": {"name": "Boulangerie", "siret": "123"}}
    draft = call(stack.offers, "save_offer_draft", host, None, partial)

    invalid = refused(stack.offers, "submit_offer_draft", host, draft["id"])
    assert (status_of(invalid), invalid.code) == (422, "VALIDATION_ERROR")
    assert {"description", "sector", "employer.siret", "employer.is_public", "place", "grades"} <= set(invalid.fields)
    assert call(stack.offers, "get_offer_draft", host, draft["id"])["content"] == partial

    # The offer's own rules too: past weeks, and the working time of minors.
    late = offer_body(college_weeks=["2019-W10"], daily_hours={"lundi": ["08:00", "17:00"]})
    call(stack.offers, "save_offer_draft", host, draft["id"], late)
    invalid = refused(stack.offers, "submit_offer_draft", host, draft["id"])
    assert set(invalid.fields) == {"college_weeks", "daily_hours"}
    assert count(databases, Offer) == 0 and count(databases, OfferDraft) == 1

    call(stack.offers, "save_offer_draft", host, draft["id"], offer_body())
    offer = call(stack.offers, "submit_offer_draft", host, draft["id"])
    assert contract.OfferOut.model_validate(offer).id == offer["id"]
    assert (offer["status"], offer["published_at"], offer["title"]) == ("unpublished", None, offer_body()["title"])
    assert offer["space_id"] == call(stack.identity, "team_spaces", host["team_id"])[0]["id"]
    assert status_of(refused(stack.offers, "get_offer_draft", host, draft["id"])) == 404
    assert count(databases, OfferDraft) == 0 and count(databases, OutboxMessage) == 0
    # The host then presses « Publier ».
    with entrypoint_waiter(stack.listener, "on_published", timeout=10):
        assert call(stack.offers, "publish_offer", host, offer["id"])["status"] == "published"


def test_a_draft_of_an_offer_starts_as_the_offer_and_edits_it_whole(stack, databases):
    host = actor(signup(stack.identity, "employer"))
    with entrypoint_waiter(stack.listener, "on_published", timeout=10):
        offer = call(stack.offers, "create_offer", host, offer_body())
    draft = call(stack.offers, "save_offer_draft", host, None, {}, offer["id"])
    body = {field: offer[field] for field in contract.OfferBody.model_fields}
    assert draft["offer_id"] == offer["id"] and draft["content"] == body
    # Given content is kept as given, even for an offer's draft.
    typed = call(stack.offers, "save_offer_draft", host, None, offer_body(title="Tapé"), offer["id"])
    assert typed["content"] == offer_body(title="Tapé")

    edited = {
        **draft["content"],
        "title": "Titre revu",
        "workspace_conditions": None,
        "daily_hours": {"mardi": ["9:00", "12:00", "13:30", "16:30"]},
    }
    del edited["space_id"]  # a draft without a space leaves the offer in its own
    call(stack.offers, "save_offer_draft", host, draft["id"], edited)
    with entrypoint_waiter(stack.listener, "on_updated", timeout=10):
        updated = call(stack.offers, "submit_offer_draft", host, draft["id"])
    assert (updated["id"], updated["status"], updated["title"]) == (offer["id"], "published", "Titre revu")
    assert updated["workspace_conditions"] is None and updated["space_id"] == offer["space_id"]
    assert updated["daily_hours"] == {"mardi": ["09:00", "12:00", "13:30", "16:30"]}
    [event] = OfferEventsListener.of_type(contract.OFFER_UPDATED)
    assert (event["data"]["offer_id"], event["data"]["title"]) == (offer["id"], "Titre revu")
    assert [d["id"] for d in call(stack.offers, "list_offer_drafts", host)] == [typed["id"]]

    # The offer is gone: its draft cannot be submitted, and stays.
    call(stack.offers, "delete_offer", host, offer["id"])
    assert status_of(refused(stack.offers, "submit_offer_draft", host, typed["id"])) == 404
    assert call(stack.offers, "get_offer_draft", host, typed["id"])["offer_id"] == offer["id"]


def test_drafts_follow_a_member_who_joins_another_team_with_their_spaces(stack, databases, amqp_uri):
    joiner, owner = signup(stack.identity, "employer"), signup(stack.identity, "employer")
    offer = call(stack.offers, "create_offer", actor(joiner), offer_body())
    draft = call(stack.offers, "save_offer_draft", actor(joiner), None, {}, offer["id"])
    theirs = call(stack.offers, "save_offer_draft", actor(owner), None, {"title": "De l'équipe"})
    joined = TeamMemberJoined(
        user_id=joiner["user_id"],
        team_id=owner["team_id"],
        previous_team_id=joiner["team_id"],
        moved_space_ids=[offer["space_id"]],
    )
    # Identity's side of the join (tested in test_identity_teams.py): the space changes team.
    with Session(databases.engine("identity")) as db:
        space = db.get(Space, offer["space_id"])
        space.team_id, space.name, space.is_default = owner["team_id"], "Espace apporté", False
        db.commit()
    with entrypoint_waiter(stack.offers, "on_team_member_joined", timeout=10):
        publish_event(amqp_uri, "identity", TEAM_MEMBER_JOINED, joined.model_dump(mode="json"))

    member = {**actor(joiner), "team_id": owner["team_id"]}
    assert {d["id"] for d in call(stack.offers, "list_offer_drafts", member)} == {draft["id"], theirs["id"]}
    assert call(stack.offers, "submit_offer_draft", member, draft["id"])["team_id"] == owner["team_id"]
