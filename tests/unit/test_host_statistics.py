"""The host's statistics: what counts as accepted and signed, and the sums per space and team."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.host_statistics import shape
from gateway.offer_views import counted
from services.common.session_tokens import SessionClaims
from services.conventions.outcome_rules import outcomes

pytestmark = pytest.mark.unit

SPACES = [
    {"id": 1, "name": "Siège", "is_default": True},
    {"id": 2, "name": "Agence de Lyon", "is_default": False},
    {"id": 3, "name": "Agence vide", "is_default": False},
]


def test_accepted_is_the_hosts_yes_still_standing():
    by_status = {
        "total": 9,
        "submitted": 1,
        "read": 1,
        "validated": 2,
        "approved": 3,
        "rejected": 1,
        "cancelled": 1,
        "expired": 0,
    }
    figures = outcomes(by_status, signed=2)
    # Every application counts once (the "total" key is not a status), accepted = validated + approved.
    assert (figures.applications, figures.accepted, figures.signed) == (9, 5, 2)
    assert outcomes({}, 0).model_dump() == {"applications": 0, "accepted": 0, "signed": 0}


def test_offers_are_summed_in_their_space_and_the_team():
    offers = [
        {"id": 12, "title": "Boulangerie", "status": "published", "space_id": 2},
        {"id": 11, "title": "Fournil", "status": "unpublished", "space_id": 1},
        {"id": 10, "title": "Ancien espace", "status": "published", "space_id": 99},
    ]
    outcomes_by_offer = {
        "12": {"applications": 4, "accepted": 2, "signed": 1},
        "11": {"applications": 1, "accepted": 0, "signed": 0},
    }
    views = {"12": 10, "11": 3, "10": 1}

    report = shape(offers, SPACES, outcomes_by_offer, views)

    assert [row["offer_id"] for row in report["offers"]] == [12, 11, 10]  # the order given
    assert report["offers"][0] == {
        "offer_id": 12,
        "title": "Boulangerie",
        "status": "published",
        "space_id": 2,
        "views": 10,
        "applications": 4,
        "accepted": 2,
        "signed": 1,
    }
    # An offer without applications answers zeros; one in a space the team no longer lists
    # is summed in the default space.
    assert report["offers"][2]["applications"] == 0 and report["offers"][2]["views"] == 1
    spaces = {space["space_id"]: space for space in report["spaces"]}
    assert spaces[1] == {
        "space_id": 1,
        "name": "Siège",
        "offers": 2,
        "views": 4,
        "applications": 1,
        "accepted": 0,
        "signed": 0,
    }
    assert (spaces[2]["offers"], spaces[2]["views"], spaces[2]["accepted"], spaces[2]["signed"]) == (1, 10, 2, 1)
    assert spaces[3]["offers"] == 0 and spaces[3]["views"] == 0
    assert report["total"] == {"views": 14, "applications": 5, "accepted": 2, "signed": 1}


def test_a_team_without_offers_has_zeros():
    report = shape([], SPACES[:1], {}, {})
    assert report["offers"] == []
    assert report["spaces"][0]["offers"] == 0
    assert report["total"] == {"views": 0, "applications": 0, "accepted": 0, "signed": 0}


def claims(role: str) -> SessionClaims:
    return SessionClaims(user_id=1, role=role, session_id="s", expires_at=datetime.now(UTC), team_id=None)


def test_only_a_signed_in_pupils_reading_is_a_view():
    assert counted(claims("student"))
    # Hosts (their own offer or another's), school staff, administrators, anonymous visitors.
    for role in ("employer", "school_manager", "teacher", "admin"):
        assert not counted(claims(role))
    assert not counted(None)
