"""A head of school in a real browser (Debian's chromium): logs in, ticks the school's weeks on
« Semaines de stage » (hosts within 60 km then see them highlighted), fills in the school's part
of two conventions (an empty field said at its field, then « Valider »), signs both in one
« Signer en groupe » with the code read from the SMS outbox and a drawn signature, and downloads
the pupils' applications from « Classes et élèves » (Excel and CSV, read back). Every page is
checked with axe-core (no serious or critical violation), 375 px wide, for its
Content-Security-Policy and script errors.

The test makes what the head does not, through the JSON API: the head's account, a host whose
offer near the school two pupils of the school applied to, and the host's part of both
conventions. The journey is tests/support/web_journeys/school_head.py, run in a process of its
own; its screenshots are kept in artefacts/screenshots/school-head/ (or under $E1S_ARTEFACTS).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gateway.application_pages import APPLICATION_STATUSES
from gateway.school_convention_pages import READY
from tests.e2e.test_host_tutorial_in_a_browser import PASSWORD, account, get
from tests.support.browser_run import chromium, failure, page_problems, run_journey  # noqa: F401 (a fixture)
from tests.support.conventions import HOST_PART, SCHOOL_PART, college_week
from tests.support.offers import offer_body

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.usefixtures("chromium")]

ROSTAND = "0131260Z"  # Collège Edmond Rostand, Marseille (43.288230, 5.380433)
NEAR_ROSTAND = {
    "street": "10 rue Paradis",
    "zipcode": "13006",
    "city": "Marseille",
    "latitude": 43.289,
    "longitude": 5.379,
}
ALL_SIGNED = "Les conventions sélectionnées sont à présent toutes signées."


def call(url: str, method: str, path: str, token: str, body: Any = None, status: int = 200) -> Any:
    answer = requests.request(method, url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json() if answer.content else None


def highlighted(url: str) -> dict[str, int]:
    """``{week: schools_count}`` near the school, as a host's offer form reads it."""
    point = {"latitude": NEAR_ROSTAND["latitude"], "longitude": NEAR_ROSTAND["longitude"]}
    rows = requests.get(f"{url}/api/v1/weeks/highlighted", params=point, timeout=30).json()
    return {row["week"]: row["schools_count"] for row in rows}


def conventions_to_fill(url: str, state_dir: Any) -> list[int]:
    """Two conventions of pupils of the school, their host's part done."""
    host = account(url, state_dir, "employer", "Camille", "Lefort")
    week = college_week(-1)
    body = offer_body(place=NEAR_ROSTAND, college_weeks=[week], max_candidates=2)
    offer = call(url, "POST", "/api/v1/offers", host["token"], body, 201)
    ids = []
    for first, last in (("Léa", "Martin"), ("Yanis", "Durand")):
        pupil = account(url, state_dir, "student", first, last, school_uai=ROSTAND, grade="troisieme")
        body = {"weeks": [week], "motivation": "J'aime ce métier.", "phone": "06 12 34 56 78"}
        application = call(url, "POST", f"/api/v1/offers/{offer['id']}/applications", pupil["token"], body, 201)
        call(url, "POST", f"/api/v1/applications/{application['id']}/validate", host["token"])
        approved = call(url, "POST", f"/api/v1/applications/{application['id']}/approve", pupil["token"])
        path = f"/api/v1/conventions/{approved['convention_id']}"
        call(url, "PATCH", path, host["token"], HOST_PART)
        call(url, "POST", f"{path}/complete", host["token"])
        ids.append(approved["convention_id"])
    return ids


@pytest.fixture(scope="module")
def journey(stack) -> Iterator[dict[str, Any]]:
    """The journey's report and its settings, run once for the module's tests; the school's
    weeks are cleared afterwards (other tests count the schools near Marseille)."""
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])
    phone = f"06 2{random.randrange(10)} " + " ".join(f"{random.randrange(100):02d}" for _ in range(3))
    head = account(stack.url, stack.state_dir, "school_manager", "Nadia", "Lefèvre", school_uai=ROSTAND)
    weeks = [college_week(-6), college_week(-5)]
    settings = {
        "head": {
            "email": head["email"],
            "password": PASSWORD,
            "phone": phone,
            "phone_e164": "+33" + phone.replace(" ", "")[1:],
        },
        "weeks": weeks,
        "conventions": conventions_to_fill(stack.url, stack.state_dir),
        "school_part": {**SCHOOL_PART, "legal_representative_email": f"rl-{random.randrange(10**8)}@example.fr"},
        "counts_before": {week: highlighted(stack.url).get(week, 0) for week in weeks},
    }
    started = time.monotonic()
    report = run_journey(stack, "school_head", settings, timeout=240)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["settings"], report["head_token"] = settings, head["token"]
    print(f"school head journey: {report['seconds']} s")
    yield report
    call(stack.url, "PUT", f"/api/v1/schools/{ROSTAND}/weeks", head["token"], {"weeks": []})


@pytest.mark.timeout(300)
def test_the_head_of_school_picks_weeks_fills_in_and_signs_in_a_browser(stack, journey):
    assert not journey["error"], failure(journey)
    seen, settings = journey["seen"], journey["settings"]
    assert seen["landing"].endswith("/mes-conventions")

    # the weeks: the year's calendar by month, two ticked and saved; hosts nearby see them
    calendar = seen["calendar"]
    assert calendar["months"][0].startswith("Septembre") and calendar["months"][-1].startswith("Mai"), calendar
    assert calendar["boxes"] >= 30 and calendar["disabled"] < calendar["boxes"]
    assert seen["weeks_saved"].startswith("Vos semaines de stage sont enregistrées")
    assert seen["weeks_ticked"] == dict.fromkeys(settings["weeks"], True)
    assert get(stack.url, f"/api/v1/schools/{ROSTAND}/weeks", journey["head_token"])["weeks"] == settings["weeks"]
    counts = highlighted(stack.url)
    for week in settings["weeks"]:
        assert counts[week] == settings["counts_before"][week] + 1, (week, counts[week])

    # the school's part: an empty class said at its field, then each validated, ready to sign
    first, second = seen["school_parts"]
    assert first["listed_as"] == "à remplir par vous" and first["host_part_shown"]
    assert "La partie de l'établissement est incomplète." in first["error_summary"]
    assert first["class_message"] == "À renseigner avant de valider votre partie."
    assert "f-student-class-messages" in first["class_described_by"]
    for part in (first, second):
        assert part["validated_flash"] == READY and part["state"] == "prête à signer", part

    # one « Signer en groupe » for both, as the head of school
    signing = seen["signing"]
    assert signing["listed"] == [True, True] and signing["ticked"] == [True, True]
    assert "2 conventions sélectionnées" in signing["code_sent"]
    assert signing["result"] == ALL_SIGNED
    for pdf in signing["pdfs"].values():
        assert pdf["status"] == 200 and pdf["content_type"] == "application/pdf" and pdf["starts_with_pdf"], pdf
    for convention_id in settings["conventions"]:
        convention = get(stack.url, f"/api/v1/conventions/{convention_id}", journey["head_token"])
        assert [item["role"] for item in convention["signatures"]] == ["school_manager"]
        assert convention["student_class"] == SCHOOL_PART["student_class"]


@pytest.mark.timeout(300)
def test_the_head_of_school_downloads_the_pupils_applications_from_classes_et_eleves(stack, journey):
    assert not journey["error"], failure(journey)
    listed = get(stack.url, "/api/v1/applications?per_page=100", journey["head_token"])
    assert 2 <= listed["total"] <= 100
    expected = {item["id"]: item for item in listed["results"]}
    exports = journey["seen"]["exports"]
    assert sorted(exports) == ["csv", "xlsx"]
    for fmt, export in exports.items():
        assert re.fullmatch(rf"candidatures-\d{{4}}-\d{{2}}-\d{{2}}\.{fmt}", export["filename"]), export["filename"]
        rows = {int(row["N° de candidature"]): row for row in export["rows"]}
        assert sorted(rows) == sorted(expected)  # the school's pupils' applications, each once
        for application_id, row in rows.items():
            application = expected[application_id]
            assert row["Élève"] == application["student_name"]
            assert row["UAI de l'établissement"] == ROSTAND
            assert row["Statut"] == APPLICATION_STATUSES[application["status"]][0]
        by_pupil = {row["Élève"]: row for row in rows.values()}
        assert {"Léa Martin", "Yanis Durand"} <= set(by_pupil)
        assert by_pupil["Léa Martin"]["Lettre de motivation"] == "J'aime ce métier."
    # Excel's dates are dates (read back as such), the CSV's are written JJ/MM/AAAA
    assert {"Reçue le", "Dernier changement le"} <= set(exports["xlsx"]["date_columns"])
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", exports["csv"]["rows"][0]["Reçue le"])


@pytest.mark.timeout(300)
def test_every_page_of_the_head_of_school_is_accessible_narrow_and_without_errors(journey):
    assert not journey["error"], failure(journey)
    assert page_problems({"pages": journey["pages"]}) == []
    pages = journey["pages"]
    kinds = {re.sub(r"/\d+", "/<id>", page["path"]) for page in pages if page["content_type"].startswith("text/html")}
    checked = {re.sub(r"/\d+", "/<id>", page["path"]) for page in pages if page["checks"]}
    assert kinds - checked == set()
    assert all(check["axe_rules_run"] >= 30 for page in pages for check in page["checks"])
    assert journey["seen"].get("missing_icons", {}) == {}
