"""The plain parts of the pupils' favourites pages and of their convention's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.convention_pages import convention_row
from gateway.favourite_pages import favourite_card
from gateway.favourites import favourites_among, shows_buttons
from gateway.page_routing import templates
from services.common.session_tokens import SessionClaims

pytestmark = pytest.mark.unit

LATER = datetime.now(UTC) + timedelta(hours=1)
PUPIL = SessionClaims(5, "student", "s1", LATER, school_uai="0752694W", grade="troisieme")
HOST = SessionClaims(6, "employer", "s2", LATER, team_id=3)
FAVOURITE = {
    "id": 12,
    "title": "Au fournil",
    "employer_name": "Maison Hervé",
    "city": "Paris",
    "zipcode": "75013",
    "distance_km": 12.4,
    "weeks": ["2027-W03"],
    "all_year": False,
    "remaining_seats": 1,
    "sector": "s12",
    "latitude": 48.8,
    "longitude": 2.3,
    "reserved_for": {"rep": False, "qpv": False, "school_uai": None},
    "available": False,
    "added_at": "2026-12-06T05:00:00+00:00",
}


class FakeMatching:
    """Answers which offers are favourites, and counts the calls."""

    def __init__(self, favourites: list[int]) -> None:
        self.favourites = favourites
        self.calls = 0

    def favourite_offer_ids(self, actor: dict, offer_ids: list[int]) -> list[int]:
        self.calls += 1
        return [offer_id for offer_id in offer_ids if offer_id in self.favourites]


def test_a_favourite_card_is_the_search_card_saying_whether_it_is_still_available():
    shown = favourite_card(FAVOURITE)
    assert shown["title"] == "Au fournil" and shown["distance"] == "à 12 km" and shown["available"] is False
    assert shown["seats"] == "1 place disponible" and shown["latitude"] == 48.8
    # a pupil whose school the directory does not know: no distance rather than « à 0 km »
    assert favourite_card({**FAVOURITE, "distance_km": None, "available": True})["distance"] == ""


def test_a_favourite_pupils_can_no_longer_open_is_shown_without_a_link():
    card_macro = templates.get_template("search/_offer_card.html").make_module({}).offer_card
    available = str(card_macro(favourite_card({**FAVOURITE, "available": True})))
    assert 'href="/offres/12"' in available and "fr-enlarge-link" in available
    gone = favourite_card(FAVOURITE)
    unavailable = str(card_macro(gone, note="Cette offre n'est plus disponible", link=gone["available"]))
    assert "/offres/12" not in unavailable and "fr-enlarge-link" not in unavailable
    assert "Au fournil" in unavailable and "n&#39;est plus disponible" in unavailable


def test_only_a_pupil_sees_the_buttons_and_only_then_is_matching_asked():
    matching = FakeMatching([12])
    assert shows_buttons(PUPIL) and not shows_buttons(HOST) and not shows_buttons(None)
    assert favourites_among(matching, PUPIL, {"user_id": 5}, [12, 13]) == {12}
    assert favourites_among(matching, HOST, {"user_id": 6}, [12]) == set()
    assert favourites_among(matching, None, None, [12]) == set()
    assert favourites_among(matching, PUPIL, {"user_id": 5}, []) == set()
    assert matching.calls == 1


def test_a_pupils_convention_row_opens_their_convention_page():
    convention = {
        "id": 8,
        "status": "ready_to_sign",
        "student_name": "Léa Martin",
        "offer_title": "Au fournil",
        "employer_name": "Maison Hervé",
        "start_date": "2027-01-18",
        "end_date": "2027-01-22",
        "awaiting_signatures": ["employer", "student"],
        "completed_by_employer_at": "2027-01-02T10:00:00+00:00",
        "validated_by_school_at": None,
    }
    row = convention_row(convention, "student")
    assert row["href"] == "/mes-conventions/8" and row["link_label"] == "Voir la convention"
    assert row["signable"] is True and row["still_to_sign"] == "l'organisme d'accueil et vous"
