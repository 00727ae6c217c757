"""The schools directory through the gateway: anybody finds a school; its staff chooses its weeks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from services.common.school_calendar import SchoolYear, today_in_paris
from services.matching.import_schools import SAMPLE, SAMPLE_QPV
from tests.support.accounts import confirmed_account

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CLAUDEL = "0752694W"


@pytest.fixture(scope="module")
def schools(stack) -> str:
    """The built-in sample imported into the running platform's matching database."""
    done = subprocess.run(
        [sys.executable, "-m", "services.matching.import_schools", SAMPLE, *(f"--qpv={path}" for path in SAMPLE_QPV)],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return f"{stack.url}/api/v1/schools"


def logged_in(stack, role: str, **fields: str) -> dict[str, str]:
    """The bearer header of a new account of ``role``, confirmed through the emailed link."""
    return confirmed_account(stack.url, stack.state_dir, role, "Hélène", "Moreau", **fields).headers


def found(url: str, **params: object) -> list[str]:
    answer = requests.get(url, params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return [school["uai"] for school in answer.json()["results"]]


def test_anybody_finds_a_school_by_name_city_uai_or_nearest(schools):
    assert found(schools, q="camille claudel") == [CLAUDEL]
    assert found(schools, q="Évariste") == found(schools, q="EVARISTE") == ["0753937X"]
    assert found(schools, q="0752694w") == [CLAUDEL]
    assert set(found(schools, q="stains")) == {"0932030B", "0931225B", "0931147S"}

    listed = requests.get(schools, params={"q": "", "latitude": "", "longitude": ""}, timeout=10).json()
    assert (listed["total"], listed["page"], listed["per_page"]) == (21, 1, 20)

    nearest = requests.get(schools, params={"latitude": 43.2912, "longitude": 5.3783, "per_page": 3}, timeout=10)
    results = nearest.json()["results"]
    assert [s["city"] for s in results] == ["Marseille"] * 3
    assert [s["distance_km"] for s in results] == sorted(s["distance_km"] for s in results)
    assert results[0]["uai"] == "0130042A" and results[0]["distance_km"] < 0.1

    half = requests.get(schools, params={"latitude": 43.29}, timeout=10)
    assert (half.status_code, half.json()["code"], list(half.json()["fields"])) == (
        422,
        "VALIDATION_ERROR",
        ["longitude"],
    )


def test_a_school_as_the_api_shows_it(schools):
    answer = requests.get(f"{schools}/{CLAUDEL}", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {
        "uai": CLAUDEL,
        "name": "Collège Camille Claudel",
        "kind": "college",
        "city": "Paris",
        "zipcode": "75013",
        "latitude": 48.820973,
        "longitude": 2.365605,
        "rep": "REP",
        "qpv": False,
    }
    lycée = requests.get(f"{schools}/0932030B", timeout=10).json()
    assert (lycée["kind"], lycée["qpv"], lycée["rep"]) == ("lycee", True, None)
    missing = requests.get(f"{schools}/0000000A", timeout=10)
    assert missing.status_code == 404
    assert missing.json() == {"code": "NOT_FOUND", "message": "Établissement introuvable."}


def test_the_schools_manager_chooses_its_weeks_and_nobody_else_does(stack, schools):
    today = today_in_paris()
    upcoming = [str(w) for w in SchoolYear.current(today).college_weeks() if w.friday >= today]
    if len(upcoming) < 2:
        pytest.skip("the collège weeks of this school year are over (June): nothing to choose")
    weeks_url = f"{schools}/{CLAUDEL}/weeks"
    manager = logged_in(stack, "school_manager", school_uai=CLAUDEL)

    chosen = requests.put(weeks_url, json={"weeks": [upcoming[-1], upcoming[-2]]}, headers=manager, timeout=10)
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"weeks": [upcoming[-2], upcoming[-1]]}
    assert requests.get(weeks_url, timeout=10).json() == {"weeks": [upcoming[-2], upcoming[-1]]}

    employer = logged_in(stack, "employer")
    refused = requests.put(weeks_url, json={"weeks": [upcoming[-1]]}, headers=employer, timeout=10)
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN")
    other_school = logged_in(stack, "teacher", school_uai="0753937X")
    refused = requests.put(weeks_url, json={"weeks": [upcoming[-1]]}, headers=other_school, timeout=10)
    assert refused.status_code == 403
    anonymous = requests.put(weeks_url, json={"weeks": [upcoming[-1]]}, timeout=10)
    assert anonymous.status_code == 401

    seconde = str(SchoolYear.current(today).seconde.week_1)
    invalid = requests.put(weeks_url, json={"weeks": [seconde]}, headers=manager, timeout=10)
    assert (invalid.status_code, invalid.json()["code"], list(invalid.json()["fields"])) == (
        422,
        "VALIDATION_ERROR",
        ["weeks"],
    )
    malformed = requests.put(weeks_url, json={"weeks": ["S12"]}, headers=manager, timeout=10)
    assert (malformed.status_code, list(malformed.json()["fields"])) == (422, ["weeks"])
    assert requests.get(weeks_url, timeout=10).json() == {"weeks": [upcoming[-2], upcoming[-1]]}

    # A host picking weeks for a place 2 km away sees the school's choice (the 60 km rule).
    highlighted = requests.get(
        f"{stack.url}/api/v1/weeks/highlighted", params={"latitude": 48.83, "longitude": 2.34}, timeout=10
    ).json()
    counts = {row["week"]: row["schools_count"] for row in highlighted}
    assert counts[upcoming[-1]] == counts[upcoming[-2]] == 1 and sum(counts.values()) == 2
    far = requests.get(
        f"{stack.url}/api/v1/weeks/highlighted", params={"latitude": 43.3, "longitude": 5.38}, timeout=10
    )
    assert sum(row["schools_count"] for row in far.json()) == 0

    cleared = requests.put(weeks_url, json={"weeks": []}, headers=manager, timeout=10)
    assert cleared.json() == {"weeks": []}
    assert requests.get(f"{schools}/0000000A/weeks", timeout=10).status_code == 404
