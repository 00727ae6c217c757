"""The whole host tutorial in a real browser (Debian's chromium), as one journey: an account,
an offer written with the keyboard alone through the four steps, its preview, a copy deleted,
publishing, two applications accepted, two conventions filled in and signed in a group
(the code read from the SMS outbox, the signature drawn with the mouse), a colleague invited
and joining from their own browser, the resources. Every page is checked with axe-core (no
serious or critical violation), 375 px wide (no sideways scrolling), for its
Content-Security-Policy and for script errors; the API's state is checked afterwards.

The test makes what the host does not: two schools placed 59 km and 61 km from the
internship place (matching's directory import), the weeks their heads chose, the pupils of
the near school, and the head of school's part of each convention (JSON API). The journey is
tests/support/web_journeys/host_tutorial.py, run in a process of its own; its screenshots are
kept in artefacts/screenshots/host-tutorial/ (or under $E1S_ARTEFACTS).
"""

from __future__ import annotations

import csv
import random
import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import bindparam, create_engine, text

from services.common.geography import distance_km
from services.common.school_calendar import SchoolYear, today_in_paris
from services.matching import import_schools
from tests.support.accounts import PASSWORD, confirmed_account
from tests.support.browser_run import chromium, failure, page_problems, run_journey  # noqa: F401 (a fixture)
from tests.support.conventions import SCHOOL_PART
from tests.support.schools import FIXTURES

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.usefixtures("chromium")]

PLACE = {
    "query": "Auril",
    "label": "Aurillac 15000",
    "zipcode": "15000",
    "city": "Aurillac",
    "street": "12 rue des Carmes",
}
NEAR_KM, FAR_KM = 59.0, 61.0
KM_PER_DEGREE_OF_LATITUDE = 111.195  # on the mean sphere of services.common.geography
SIRET = "73282932000074"
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
ALL_SIGNED = "Les conventions sélectionnées sont à présent toutes signées."
# No company directory in the tests: the SIRET look-up answers 404 and the form asks for the name.
EXPECTED_FAILURE = f"/api/v1/companies/{SIRET}"


# -- what the test makes through the API and the directory import ------------------------------------


def new_uai(department: str = "015") -> str:
    """A UAI of the Cantal no real school has (a number of this run), with its check letter."""
    digits = department + f"{random.randrange(9000, 10_000):04d}"
    return digits + UAI_LETTERS[int(digits) % 23]


def place_coordinates(url: str) -> tuple[float, float]:
    """Where the address suggestion the host will choose puts the internship."""
    answer = requests.get(f"{url}/api/v1/places/suggestions", params={"q": PLACE["city"]}, timeout=30)
    answer.raise_for_status()
    [place] = [row for row in answer.json()["results"] if row["label"] == PLACE["label"]]
    return place["latitude"], place["longitude"]


def north_of(latitude: float, longitude: float, km: float) -> tuple[float, float]:
    """The point ``km`` north (great-circle distance), to the metre."""
    point = (round(latitude + km / KM_PER_DEGREE_OF_LATITUDE, 6), longitude)
    assert abs(distance_km(latitude, longitude, *point) - km) < 0.01
    return point


def add_schools(matching_url: str, schools: list[dict[str, Any]], folder: Path) -> None:
    """Schools added as the ministry's directory brings them: a file in its columns, imported."""
    with (FIXTURES / "schools-sample.csv").open(encoding="utf-8") as sample:
        header = next(csv.reader(sample, delimiter=";"))
    path = folder / "annuaire-tutoriel.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, delimiter=";")
        writer.writeheader()
        for school in schools:
            writer.writerow(
                {
                    "Identifiant_de_l_etablissement": school["uai"],
                    "Nom_etablissement": school["name"],
                    "Type_etablissement": "Collège",
                    "Statut_public_prive": "Public",
                    "Code_postal": school["zipcode"],
                    "Nom_commune": school["city"],
                    "latitude": school["latitude"],
                    "longitude": school["longitude"],
                }
            )
    report = import_schools.run(path, url=matching_url)
    assert report.imported + report.unchanged + report.updated == len(schools), report.lines()


def account(url: str, state_dir: Path, role: str, first_name: str, last_name: str, **fields: str) -> dict[str, str]:
    """A confirmed account made through the API; its email and bearer token."""
    made = confirmed_account(url, state_dir, role, first_name, last_name, **fields)
    return {"email": made.email, "token": made.token, "name": made.name}


def login(url: str, email: str, password: str) -> str:
    answer = requests.post(f"{url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def get(url: str, path: str, token: str) -> Any:
    answer = requests.get(f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
    return answer.json()


def tutorial_weeks() -> tuple[str, str]:
    """Two collège weeks at least five weeks away (applications and conventions need time)."""
    today = today_in_paris()
    weeks = SchoolYear.current(today).college_weeks()
    later = [week for week in weeks if week.monday >= today + timedelta(days=35)] or weeks[-2:]
    return str(later[0]), str(later[1])


def tutorial_settings(url: str, state_dir: Path, matching_url: str, folder: Path) -> dict[str, Any]:
    """Everything the journey needs that the host does not make: schools 59 and 61 km away,
    the weeks their heads chose, two pupils of the near one, fresh addresses."""
    latitude, longitude = place_coordinates(url)
    near = {"uai": new_uai(), "name": "Collège des Volcans", "city": "Saint-Flour", "zipcode": "15100"}
    far = {"uai": new_uai(), "name": "Collège de la Planèze", "city": "Murat", "zipcode": "15300"}
    while far["uai"] == near["uai"]:
        far["uai"] = new_uai()
    near["latitude"], near["longitude"] = north_of(latitude, longitude, NEAR_KM)
    far["latitude"], far["longitude"] = north_of(latitude, longitude, FAR_KM)
    add_schools(matching_url, [near, far], folder)

    near_week, far_week = tutorial_weeks()
    manager = account(url, state_dir, "school_manager", "Nadia", "Lefèvre", school_uai=near["uai"])
    far_manager = account(url, state_dir, "school_manager", "Paul", "Girard", school_uai=far["uai"])
    for head, week, school in ((manager, near_week, near), (far_manager, far_week, far)):
        saved = requests.put(
            f"{url}/api/v1/schools/{school['uai']}/weeks",
            json={"weeks": [week]},
            headers={"Authorization": f"Bearer {head['token']}"},
            timeout=30,
        )
        assert saved.status_code == 200, saved.text
    pupils = [
        account(url, state_dir, "student", first, last, school_uai=near["uai"], grade="troisieme")
        for first, last in (("Léa", "Martin"), ("Yanis", "Durand"))
    ]
    colleague = account(url, state_dir, "employer", "Samir", "Haddad")
    suffix = uuid.uuid4().hex[:8]
    return {
        "host": {
            "first_name": "Camille",
            "last_name": "Lefort",
            "email": f"camille.lefort-{suffix}@example.fr",
            "password": PASSWORD,
            # 06 1x: a metropolitan mobile (06 90 to 06 97 are overseas numbers, +590 to +596)
            "phone": f"06 1{random.randrange(10)} " + " ".join(f"{random.randrange(100):02d}" for _ in range(3)),
        },
        "colleague": {"email": colleague["email"], "password": PASSWORD, "first_name": "Samir", "last_name": "Haddad"},
        "place": PLACE,
        "siret": SIRET,
        "structure_name": "Boulangerie du Cantal",
        "weeks": {"near": near_week, "far": far_week},
        "near_school": {"name": near["name"], "city": near["city"]},
        "schools": {"near": near, "far": far},
        "pupils": [{"name": pupil["name"], "token": pupil["token"]} for pupil in pupils],
        "manager_token": manager["token"],
        "school_part": {key: value for key, value in SCHOOL_PART.items() if key != "legal_representative_email"},
    }


def with_e164(settings: dict[str, Any]) -> dict[str, Any]:
    host = settings["host"]
    host["phone_e164"] = "+33" + host["phone"].replace(" ", "")[1:]
    return settings


@pytest.fixture(scope="module")
def tutorial(stack, address_index, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The journey's report, its settings and how long it took, run once for the module's tests;
    the two schools it added leave the session's directory afterwards (other tests count it)."""
    folder = tmp_path_factory.mktemp("tutorial")
    settings = with_e164(tutorial_settings(stack.url, stack.state_dir, stack.env["DATABASE_URL_MATCHING"], folder))
    started = time.monotonic()
    report = run_journey(stack, "host_tutorial", settings, timeout=300)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["settings"] = settings
    print(
        f"host tutorial journey: {report['seconds']} s; "
        + ", ".join(f"{step['name']} {step.get('seconds')} s" for step in report["steps"])
    )
    yield report
    uais = [school["uai"] for school in settings["schools"].values()]
    engine = create_engine(stack.env["DATABASE_URL_MATCHING"])
    try:
        with engine.begin() as connection:
            connection.execute(
                text("DELETE FROM school_weeks WHERE uai IN :uais").bindparams(bindparam("uais", expanding=True)),
                {"uais": uais},
            )
            connection.execute(
                text("DELETE FROM schools WHERE uai IN :uais").bindparams(bindparam("uais", expanding=True)),
                {"uais": uais},
            )
    finally:
        engine.dispose()


# -- what the pages showed ---------------------------------------------------------------------------


@pytest.mark.timeout(420)
def test_a_new_host_follows_the_whole_tutorial_in_a_browser(tutorial):
    assert not tutorial["error"], failure(tutorial)
    seen, settings = tutorial["seen"], tutorial["settings"]
    near_week, far_week = settings["weeks"]["near"], settings["weeks"]["far"]

    # 1. the account: the emailed link logs in, on « Mon espace »
    assert seen["landing"]["url"].endswith("/mon-espace/offres")
    assert seen["landing"]["flash"] == "Votre adresse électronique est confirmée : vous êtes connecté."

    # 2. the stepper, with the keyboard alone: four steps, what was typed read back
    assert [seen[f"stepper_{n}"] for n in range(1, 5)] == [
        "Offre Étape 1 sur 4",
        "Structure Étape 2 sur 4",
        "Élèves et dates Étape 3 sur 4",
        "Égalité des chances Étape 4 sur 4",
    ]
    assert seen["keyboard_pass"]["pointer_presses"] == 0, "the four steps were done with the keyboard alone"
    assert seen["description_counter_while_typing"] == "40/1500 caractères"
    assert seen["description_counter"] == f"{len(seen['typed']['description'])}/1500 caractères"
    assert seen["lunch_break_counter"] == f"{len(seen['typed']['lunch_break'])}/250 caractères"
    assert seen["structure_counters"]["workspace_conditions"] == "263/1000 caractères"
    assert seen["structure_counters"]["workspace_accessibility"] == "125/1000 caractères"
    assert seen["sector"] == "Commerce et distribution"
    assert PLACE["label"] in seen["suggestions"] and seen["combobox_active"]
    assert (seen["address_chosen"]["zipcode"], seen["address_chosen"]["city"]) == ("15000", "Aurillac")
    assert seen["address_typed"]["street"] == PLACE["street"]
    assert seen["private_sector_checked"]

    # the 60 km rule: the near school's week highlighted with its count, not the far one's
    weeks = seen["weeks"]
    assert weeks["near"]["highlighted"] and weeks["near"]["count"] == "1 établissement", weeks["near"]
    assert not weeks["far"]["highlighted"] and weeks["far"]["count"] is None, weeks["far"]
    assert near_week in weeks["highlighted_weeks"] and far_week not in weeks["highlighted_weeks"]
    assert weeks["near"]["background"] != weeks["far"]["background"], "the highlighting is visible"
    assert "moins de 60 km" in weeks["notice"]

    # the minors' rule said live, then the fixed day and the week
    assert any("au-delà de 7 h par jour" in line for line in seen["unlawful_day"]["messages"]), seen["unlawful_day"]
    assert seen["unlawful_day"]["fixing_focus_on_departure"]
    assert any("conformes" in line for line in seen["lawful_week"]), seen["lawful_week"]

    # « Précédent » and a reload keep what was typed
    typed = seen["step_3_typed"]
    assert typed["college"] and typed["specific_weeks"] and typed["week"]
    assert typed["hours"] == {day: ["09:00", "12:00", "13:00", "16:00"] for day in typed["hours"]}
    assert seen["after_previous"] == typed
    assert seen["after_reload"] == typed
    assert seen["equal_opportunity_ticked"] == []

    # 3. the preview, its icon buttons top right, the copy deleted, the original published
    preview = seen["preview"]
    assert "telle que la verront les élèves" in preview["says"]
    for name in ("Modifier", "Supprimer", "Dupliquer"):
        action = preview["actions"][name]
        assert action["count"] == 1 and action["icon_only"], (name, action)
        assert action["right_half"] and action["above_title"], (name, action)
    assert preview["actions"]["Publier"]["count"] == 1
    assert seen["copy"]["id"] != seen["offer_id"]
    assert "Confirmer la suppression" in seen["delete_modal"]
    assert "est supprimée" in seen["copy_deleted"]["flash"]
    assert seen["published"]["flash"].startswith("Votre offre est publiée")
    assert seen["my_space"]["badge"] == "publiée" and seen["my_space"]["offers"] == 1

    # 4. the applications: « nouvelle », opened « lue », accepted
    school = f"{settings['near_school']['name']}, {settings['near_school']['city']}"
    assert len(seen["applications"]) == 2
    for record in seen["applications"]:
        assert record["listed_as"] == "nouvelle", record
        assert record["opened_as"] == "lue", record
        assert record["school"] == school and record["grade"] == "3e", record
        assert record["motivation"], record
        assert record["accepted_flash"] == "Candidature acceptée : l'élève doit maintenant confirmer."

    # 5. the host's part of both conventions, then signing both at once
    for part in seen["host_parts"]:
        assert part["saved_flash"] == "Votre partie de la convention est enregistrée.", part
        assert part["validated_flash"].startswith("Votre partie de la convention est validée"), part
    assert set(seen["ready"].values()) == {"prête à signer"}
    signing = seen["signing"]
    assert signing["ticked"] == [True, True], "both ready conventions ticked"
    assert "authentifier par votre téléphone portable" in signing["phone_step_text"]
    assert signing["focus_trapped"] and signing["focus_back_on_opener"]
    assert signing["code_input"] == {"inputmode": "numeric", "autocomplete": "one-time-code"}
    assert "2 conventions sélectionnées" in signing["code_sent"]
    assert signing["result"] == ALL_SIGNED
    assert signing["pointer_presses"] >= 1  # the drawing, and nothing else was clicked
    for pdf in signing["pdfs"].values():
        assert pdf["status"] == 200 and pdf["content_type"] == "application/pdf" and pdf["starts_with_pdf"], pdf

    # 6. the team: the warning, the colleague joined, their notifications stopped
    team = seen["team"]
    assert team["invite_heading"] == "Inviter des membres d'équipe"
    assert "peuvent signer les conventions" in team["warning"]
    assert team["alone_toggle_disabled"]
    assert settings["colleague"]["email"] in team["invited_flash"]
    assert team["joined_flash"].startswith("Vous avez rejoint l'équipe")
    assert team["colleague_notified_at_first"]
    assert "ne recevra plus les notifications" in team["unticked_flash"]
    host_name = f"{settings['host']['first_name']} {settings['host']['last_name']}"
    assert team["after"]["colleague_notified"] is False and team["after"]["host_notified"] is True
    assert team["after"]["host_toggle_disabled"]
    assert host_name in team["after"]["host_toggle_described_by"]
    assert "Au moins une personne doit recevoir les notifications" in team["after"]["host_toggle_described_by"]

    # 7. the resources
    found = seen["resources"]
    for name in ("Flyer", "Affiche"):
        assert found[name]["status"] == 200 and found[name]["content_type"] == "application/pdf", found[name]
        assert found[name]["starts_with_pdf"]
    for name in ("FAQ offreurs", "FAQ stages"):
        assert found[name]["question"] and found[name]["answer"], found[name]
    assert found["Documentation API"] == "Documentation API"


@pytest.mark.timeout(420)
def test_tout_selectionner_ticks_every_convention_ready_to_sign(tutorial):
    assert not tutorial["error"], failure(tutorial)
    assert tutorial["seen"]["signing"]["select_all_ticked"] == [True, True]


@pytest.mark.timeout(420)
def test_every_page_of_the_tutorial_is_accessible_narrow_and_without_errors(tutorial):
    assert not tutorial["error"], failure(tutorial)
    pages = tutorial["pages"]
    problems = page_problems({"pages": pages})
    expected = [line for line in problems if "/api/v1/companies/" in line and "404" in line]
    assert [line for line in problems if line not in expected] == []
    failed = [text for page in pages for text in page["failed_responses"]]
    assert all(text.startswith("404 GET ") and text.endswith(EXPECTED_FAILURE) for text in failed), failed
    checks = [check for page in pages for check in page["checks"]]
    assert len(checks) >= 25
    assert all(check["axe_rules_run"] >= 30 for check in checks), "axe-core did not run its rules"
    # Every kind of page seen was checked (the second application or convention is the same page).
    kinds = {re.sub(r"/\d+", "/<id>", page["path"]) for page in pages if page["content_type"].startswith("text/html")}
    checked = {re.sub(r"/\d+", "/<id>", page["path"]) for page in pages if page["checks"]}
    assert kinds - checked == set()


@pytest.mark.timeout(420)
def test_every_dsfr_icon_the_pages_name_is_drawn(tutorial):
    assert not tutorial["error"], failure(tutorial)
    # {page: [fr-icon-… classes]}: a name the DSFR does not ship shows a plain square.
    assert tutorial["seen"].get("missing_icons", {}) == {}


@pytest.mark.timeout(420)
def test_the_platform_holds_what_the_host_did_in_the_browser(stack, tutorial):
    assert not tutorial["error"], failure(tutorial)
    seen, settings = tutorial["seen"], tutorial["settings"]
    host = login(stack.url, settings["host"]["email"], settings["host"]["password"])

    offer = get(stack.url, f"/api/v1/offers/{seen['offer_id']}", host)
    assert offer["status"] == "published"
    assert offer["college_weeks"] == [settings["weeks"]["near"]]
    assert offer["max_candidates"] == 2 and offer["employer"]["siret"] == SIRET
    assert offer["place"]["zipcode"] == "15000" and offer["place"]["city"] == "Aurillac"
    offers = get(stack.url, "/api/v1/offers", host)
    assert [row["id"] for row in offers["results"]] == [seen["offer_id"]], "the copy is deleted"

    applications = get(stack.url, f"/api/v1/applications?offer_id={seen['offer_id']}", host)["results"]
    assert sorted(row["status"] for row in applications) == ["approved", "approved"]

    for convention_id in seen["conventions"]:
        convention = get(stack.url, f"/api/v1/conventions/{convention_id}", host)
        roles = [signature["role"] for signature in convention["signatures"]]
        assert roles == ["employer"], convention["signatures"]
        assert "employer" not in convention["awaiting_signatures"]
        assert convention["tutor_name"] == "Camille Bernard"

    team = get(stack.url, "/api/v1/team", host)
    members = {member["email"]: member for member in team["members"]}
    colleague = members[settings["colleague"]["email"]]
    default = next(space for space in team["spaces"] if space["is_default"])
    notifications = {
        row["user_id"]: row["notify"] for row in get(stack.url, f"/api/v1/spaces/{default['id']}/notifications", host)
    }
    assert notifications[colleague["user_id"]] is False
    assert notifications[members[settings["host"]["email"]]["user_id"]] is True
