"""Offers to update, end to end: the offers service's review pass on a day moved forward, matching's
search, identity's notification settings, the notifications service and the mail outbox, on the real
broker and the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.common.contracts.offers import OFFER_NEEDS_UPDATE
from services.common.database import create_service_engine
from services.common.errors import DomainError
from services.common.school_calendar import Week, today_in_paris
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from services.notifications.service import NotificationsService
from services.offers import review, review_offers
from services.offers.models import OutboxMessage
from services.offers.service import OffersService
from tests.integration.test_reminders import identity_db, wait_for_subject, with_subject
from tests.support.conventions import actor, call, signup
from tests.support.mailbox import text_of
from tests.support.offers import future_college_weeks, offer_body
from tests.support.partner import partner_payload
from tests.support.school_weeks import upcoming_college_weeks
from tests.support.teams import default_space, join_team, mute

pytestmark = pytest.mark.integration
__all__ = ["identity_db"]  # the fixture, used by name

SUBJECT = "Votre offre de stage est à mettre à jour"
LYON = {"latitude": 45.764, "longitude": 4.8357}
PUPIL = {"user_id": 7_420_001, "role": "student", "team_id": None, "school_uai": None, "grade": "troisieme"}
OPERATOR_ID = 7_420_900


@pytest.fixture
def platform(start_service):
    """Identity, matching, notifications, and offers whose review pass runs on ``day[0]`` (today
    until the test moves it: the weeks pass without waiting for them)."""
    day = [today_in_paris()]

    class OffersOnAMovedDay(OffersService):
        review_today = staticmethod(lambda: day[0])

    identity = start_service(IdentityService)
    matching = start_service(MatchingService)
    offers = start_service(OffersOnAMovedDay)
    start_service(NotificationsService)
    return identity, offers, matching, day


@pytest.fixture
def offers_db(env):
    engine = create_service_engine(env["DATABASE_URL_OFFERS"])
    yield engine
    engine.dispose()


def found(matching, offer_id: int, present: bool, timeout: float = 10.0) -> bool:
    """Whether the pupils' search finds the offer, once it agrees with ``present`` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        ids = [offer["id"] for offer in call(matching, "search_offers", None, LYON)["results"]]
        if (offer_id in ids) == present or time.monotonic() > deadline:
            return offer_id in ids
        time.sleep(0.1)


def favourites(matching) -> list[dict]:
    return call(matching, "list_favourites", PUPIL, {})["results"]


def needs_update_events(offers_db) -> int:
    with Session(offers_db) as session:
        return int(session.scalar(select(func.count()).where(OutboxMessage.event_type == OFFER_NEEDS_UPDATE)) or 0)


def test_an_offer_whose_weeks_are_over_is_hidden_and_its_hosts_told_once_until_it_is_updated(
    platform, env, identity_db, offers_db, capsys
):
    identity, offers, matching, day = platform
    state_dir = Path(env["STATE_DIR"])
    owner, colleague, muted = (signup(identity, "employer") for _ in range(3))
    for member in (colleague, muted):
        join_team(identity_db, member["user_id"], owner["team_id"])
    mute(identity_db, muted["user_id"], default_space(identity_db, owner["team_id"]))
    weeks = future_college_weeks(2)
    ending = call(offers, "create_offer", actor(owner), offer_body(college_weeks=weeks[:1]))
    lasting = call(offers, "create_offer", actor(owner), offer_body(college_weeks=weeks))
    assert found(matching, ending["id"], True)
    call(matching, "add_favourite", PUPIL, ending["id"])

    # The Saturday after the first week: the school year still runs, that offer's weeks are over.
    day[0] = Week.parse(weeks[0]).friday + timedelta(days=1)
    factory = sessionmaker(offers_db, expire_on_commit=False, info={"outbox_model": OutboxMessage})
    with factory() as session, session.begin():
        read_by_another_replica, _ = review.due_offers(session, day[0])
    assert [(due.offer_id, due.reason) for due in read_by_another_replica] == [(ending["id"], "past_weeks")]

    assert call(offers, "review_offers") == {"marked": 1}
    # The other replica, which read the offer as due before this pass, marks nothing: no second email.
    with factory() as session, session.begin():
        assert review.mark(session, read_by_another_replica[0], day[0]) is False
    assert call(offers, "review_offers") == {"marked": 0}
    assert review_offers.main([]) == 0  # the operators' command: the same pass, nothing new
    assert json.loads(capsys.readouterr().out) == {"marked": 0}
    assert needs_update_events(offers_db) == 1

    for host in (owner, colleague):
        [email] = wait_for_subject(state_dir, host["email"], SUBJECT, 1)
        body = text_of(email)
        assert "Toutes les semaines de l'offre sont passées" in body
        assert f"http://e1s.test/mon-espace/offres/{ending['id']}" in body
    assert not found(matching, ending["id"], False)
    assert [(offer["id"], offer["available"]) for offer in favourites(matching)] == [(ending["id"], False)]
    assert found(matching, lasting["id"], True)
    listing = call(offers, "list_offers", actor(owner))["results"]
    assert [(offer["id"], offer["need_to_be_updated"], offer["update_reason"]) for offer in listing] == [
        (ending["id"], True, "past_weeks"),
        (lasting["id"], False, None),
    ]

    updated = call(offers, "update_offer", actor(owner), ending["id"], {"college_weeks": weeks[1:]})
    assert (updated["need_to_be_updated"], updated["update_reason"]) == (False, None)
    assert found(matching, ending["id"], True)
    assert [(offer["id"], offer["available"]) for offer in favourites(matching)] == [(ending["id"], True)]
    assert call(offers, "review_offers") == {"marked": 0}
    assert len(with_subject(state_dir, muted["email"], SUBJECT)) == 0
    for host in (owner, colleague):
        assert len(with_subject(state_dir, host["email"], SUBJECT)) == 1


def partner_search_ids(offers) -> list[int]:
    """The ids of the partner API v2's search around Lyon (matching's index, then offers)."""
    page = call(offers, "partner_search", OPERATOR_ID, {**LYON, "radius": 60_000})
    return [offer["id"] for offer in page["internshipOffers"]]


def partner_index(offers) -> list[dict]:
    return call(offers, "partner_index", OPERATOR_ID, 1)["internshipOffers"]


def test_a_partner_offer_whose_weeks_are_over_is_marked_hidden_and_unmarked_by_the_partner_s_update(
    platform, offers_db
):
    _, offers, matching, day = platform
    weeks = [week.unpadded() for week in upcoming_college_weeks(2)]
    lyon = {"latitude": LYON["latitude"], "longitude": LYON["longitude"]}
    created = call(offers, "partner_create", OPERATOR_ID, partner_payload(weeks=weeks[:1], coordinates=lyon))
    assert (created["need_to_be_updated"], created["update_reason"]) == (False, None)
    [listed] = partner_index(offers)
    offer_id = listed["id"]
    assert (listed["need_to_be_updated"], listed["update_reason"]) == (False, None)
    assert found(matching, offer_id, True) and partner_search_ids(offers) == [offer_id]
    # the search's entries are the national API's, without the operator's own review fields
    assert "need_to_be_updated" not in call(offers, "partner_search", OPERATOR_ID, LYON)["internshipOffers"][0]

    day[0] = Week.parse(weeks[0]).friday + timedelta(days=1)
    assert call(offers, "review_offers") == {"marked": 1}
    assert call(offers, "review_offers") == {"marked": 0}
    assert needs_update_events(offers_db) == 0  # no host to email
    [listed] = partner_index(offers)
    assert (listed["need_to_be_updated"], listed["update_reason"]) == (True, "past_weeks")
    assert not found(matching, offer_id, False) and partner_search_ids(offers) == []
    with pytest.raises(DomainError) as hidden:
        call(offers, "preview_offer", PUPIL, offer_id)
    assert hidden.value.code == "NOT_FOUND"

    # the partner's update with a week ahead lifts the mark: back in both searches
    remote_id = created["remote_id"]
    updated = call(offers, "partner_update", OPERATOR_ID, remote_id, {"weeks": weeks[1:]})
    assert (updated["need_to_be_updated"], updated["update_reason"]) == (False, None)
    assert found(matching, offer_id, True) and partner_search_ids(offers) == [offer_id]
    assert call(offers, "preview_offer", PUPIL, offer_id)["id"] == offer_id
    assert call(offers, "review_offers") == {"marked": 0}
