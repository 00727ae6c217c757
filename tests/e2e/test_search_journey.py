"""The pupils' search through the gateway: a host publishes, pupils and anybody find (or not)."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.e2e.test_host_journey import logged_in_host
from tests.support.accounts import confirmed_account
from tests.support.offers import offer_body
from tests.support.school_weeks import upcoming_college_weeks
from tests.support.schools import load_sample

pytestmark = pytest.mark.e2e

CLAUDEL = "0752694W"  # collège, REP, Paris 13e (48.820973, 2.365605)
RODIN = "0750682J"  # lycée, not REP nor QPV, Paris 13e
NEAR_CLAUDEL = {"street": "3 rue Küss", "zipcode": "75013", "city": "Paris", "latitude": 48.8235, "longitude": 2.3600}


@pytest.fixture(scope="module")
def schools(stack) -> None:
    load_sample(stack.env["DATABASE_URL_MATCHING"])


def logged_in(stack, role: str, **fields: str) -> dict[str, str]:
    """The bearer header of a new confirmed account of ``role``."""
    return confirmed_account(stack.url, stack.state_dir, role, "Inès", "Brûlé", **fields).headers


def publish(stack, host: dict[str, str], **changes) -> dict:
    answer = requests.post(f"{stack.url}/api/v1/offers", json=offer_body(**changes), headers=host, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def search(stack, headers: dict[str, str] | None = None, **params) -> requests.Response:
    return requests.get(f"{stack.url}/api/v1/offers/search", params=params, headers=headers or {}, timeout=10)


def found_ids(stack, headers: dict[str, str] | None = None, **params) -> list[int]:
    answer = search(stack, headers, per_page=100, **params)
    assert answer.status_code == 200, answer.text
    return [offer["id"] for offer in answer.json()["results"]]


def eventually_found(stack, offer_id: int, headers: dict[str, str] | None = None, **params) -> list[int]:
    deadline = time.monotonic() + 10
    while True:
        ids = found_ids(stack, headers, **params)
        if offer_id in ids or time.monotonic() > deadline:
            return ids
        time.sleep(0.2)


def test_anybody_finds_a_published_offer_near_a_place_with_a_keyword_without_accents(stack):
    host = logged_in_host(stack)
    title = f"Atelier de pâtisserie {uuid.uuid4().hex[:6]}"
    place = {"street": "2 quai Rambaud", "zipcode": "69002", "city": "Lyon", "latitude": 45.7431, "longitude": 4.8175}
    offer = publish(stack, host, title=title, place=place)
    here = {"latitude": 45.744, "longitude": 4.818}
    assert offer["id"] in eventually_found(stack, offer["id"], **here)
    word = title.split()[-1]
    answer = search(stack, keyword=f"PATISSERIE {word}", **here).json()
    assert answer["total"] == 1 and (answer["page"], answer["per_page"]) == (1, 20)
    [result] = answer["results"]
    assert (result["id"], result["title"], result["city"], result["zipcode"]) == (offer["id"], title, "Lyon", "69002")
    assert result["distance_km"] == 0.1 and result["weeks"] == offer["weeks"] and result["remaining_seats"] == 2
    assert result["reserved_for"] == {"rep": False, "qpv": False, "school_uai": None}
    weeks = ",".join(offer["weeks"])
    assert offer["id"] in found_ids(stack, grade="troisieme", weeks=weeks, keyword=word, **here)
    assert offer["id"] not in found_ids(stack, grade="seconde", **here)
    assert offer["id"] not in found_ids(stack, latitude=48.85, longitude=2.35)  # Paris: 390 km away

    requests.post(f"{stack.url}/api/v1/offers/{offer['id']}/unpublish", headers=host, timeout=10).raise_for_status()
    deadline = time.monotonic() + 10
    while offer["id"] in found_ids(stack, **here) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert offer["id"] not in found_ids(stack, **here)


def test_the_search_route_is_not_an_offer_id_and_checks_its_parameters(stack):
    anonymous = search(stack)
    assert anonymous.status_code == 422 and set(anonymous.json()["fields"]) == {"latitude", "longitude"}
    wrong = search(stack, latitude=45, longitude=4, radius_km=100, weeks="2026-W03,semaine")
    assert wrong.status_code == 422 and set(wrong.json()["fields"]) == {"radius_km", "weeks"}
    spec = requests.get(f"{stack.url}/api/openapi.json", timeout=10).json()
    assert "/api/v1/offers/search" in spec["paths"]


def test_reserved_offers_and_a_pupils_defaults(stack, schools):
    manager = logged_in(stack, "school_manager", school_uai=CLAUDEL)
    weeks = upcoming_college_weeks(3)
    chosen = [str(weeks[0]), str(weeks[1])]
    saved = requests.put(
        f"{stack.url}/api/v1/schools/{CLAUDEL}/weeks", json={"weeks": chosen}, headers=manager, timeout=10
    )
    assert saved.status_code == 200, saved.text
    highlighted = requests.get(f"{stack.url}/api/v1/weeks/highlighted", params=NEAR_CLAUDEL, timeout=10).json()
    assert {row["week"]: row["schools_count"] for row in highlighted}[chosen[0]] >= 1

    host = logged_in_host(stack)
    both_grades = {"grades": ["troisieme", "seconde"], "seconde_period": "two_weeks", "place": NEAR_CLAUDEL}
    rep_only = publish(
        stack, host, title="Réservée REP", college_weeks=[chosen[0]], reserved_for={"rep": True}, **both_grades
    )
    open_all_year = publish(stack, host, title="Ouverte à tous", college_weeks="all_year", **both_grades)
    other_week = publish(stack, host, title="Autre semaine", college_weeks=[str(weeks[2])], place=NEAR_CLAUDEL)
    mine = {rep_only["id"], open_all_year["id"], other_week["id"]}
    here = {"latitude": NEAR_CLAUDEL["latitude"], "longitude": NEAR_CLAUDEL["longitude"]}
    assert other_week["id"] in eventually_found(stack, other_week["id"], **here)
    anonymous = set(eventually_found(stack, open_all_year["id"], **here)) & mine
    assert anonymous == {open_all_year["id"], other_week["id"]}  # the REP offer is hidden

    pupil = logged_in(stack, "student", school_uai=CLAUDEL, grade="troisieme")
    answer = search(stack, pupil, per_page=100)  # no place, grade or weeks: their school's
    assert answer.status_code == 200, answer.text
    results = {offer["id"]: offer for offer in answer.json()["results"] if offer["id"] in mine}
    assert set(results) == {rep_only["id"], open_all_year["id"]}  # other_week: not a week Claudel chose
    assert results[rep_only["id"]]["reserved_for"] == {"rep": True, "qpv": False, "school_uai": None}
    assert results[rep_only["id"]]["distance_km"] == pytest.approx(0.4, abs=0.15)  # from the collège
    assert results[open_all_year["id"]]["all_year"] and chosen[1] in results[open_all_year["id"]]["weeks"]
    assert other_week["id"] in found_ids(stack, pupil, weeks=str(weeks[2]))  # their choice of weeks wins

    lyceen = logged_in(stack, "student", school_uai=RODIN, grade="seconde")
    seen = set(found_ids(stack, lyceen)) & mine
    assert seen == {open_all_year["id"]}  # not the REP one; other_week is not for seconde
