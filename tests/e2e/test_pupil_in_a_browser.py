"""A pupil's and their family's journey in a real browser (Debian's chromium): a 3e pupil of
collège Camille Claudel creates an account (the school suggested as it is typed), confirms it
from the email, finds on the list and on the map an offer a host published through the host's
pages, applies with the keyboard alone, confirms the internship once the host accepted, signs
the convention with the SMS code and a drawn signature; the legal representative signs from the emailed link in a
browser of their own. Every page is checked with axe-core (no serious or critical violation),
375 px wide (no sideways scrolling), for its Content-Security-Policy and for script errors.

The map's markers are the list's results, and the list is the API's search for the same
pupil. The host's acceptance and the host's and the school's parts of the convention are
their own journeys: here they go through the JSON API. The journey is
tests/support/web_journeys/pupil.py, run in a process of its own; its screenshots are kept in
artefacts/screenshots/pupil/ (or under $E1S_ARTEFACTS).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.support import accounts
from tests.support.accounts import PASSWORD
from tests.support.browser_run import chromium, failure, page_problems, run_journey  # noqa: F401 (a fixture)
from tests.support.conventions import HOST_PART, SCHOOL_PART
from tests.support.page_session import PageSession
from tests.support.school_weeks import college_week
from tests.support.schools import load_sample

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.usefixtures("chromium")]

CLAUDEL = "0752694W"  # collège Camille Claudel, Paris 13e, in the sample directory
OFFER_PAGE = re.compile(r"^/mon-espace/offres/(\d+)$")
DRAFT_STEP = re.compile(r"^(/mon-espace/offres/brouillons/\d+)/offre$")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")


def confirmed_account(stack, role: str, **fields: Any) -> tuple[str, str]:
    """A confirmed account of ``role``: its address and a bearer token."""
    made = accounts.confirmed_account(stack.url, stack.state_dir, role, **fields)
    return made.email, made.token


def published_through_the_host_pages(stack, email: str, title: str, week: str) -> int:
    """The host writes and publishes an offer near collège Camille Claudel with the offer
    form's four steps, as a browser without JavaScript posts them; the offer's id."""
    host = PageSession(stack.url)
    assert host.log_in(email, PASSWORD, "/offreur/connexion") == "/mon-espace/offres"
    created = host.post_form("/mon-espace/offres/nouvelle", {})
    step = DRAFT_STEP.match(created.headers["Location"]).group(1)
    offer_step = {
        "title": title,
        "description": "Découvrir l'atelier, la réparation et la vente de vélos avec l'équipe.",
        "sector": "s47",
        "place.street": "3 rue Küss",
        "place.zipcode": "75013",
        "place.city": "Paris",
        "action": "next",
    }
    structure = {
        "employer.siret": "73282932000074",
        "employer.name": "Atelier vélo du 13e",
        "employer.is_public": "false",
        "workspace_accessibility": "Atelier de plain-pied, accessible en fauteuil.",
        "action": "next",
    }
    hours = []
    for day in WEEKDAYS:
        times = ["09:00", "12:00", "13:00", "16:00"] if day != "samedi" else ["", "", "", ""]
        hours += [(f"daily_hours.{day}", time) for time in times]
    dates = [("grades", "college"), ("college_weeks_mode", "weeks"), ("college_weeks", week)]
    dates += [("lunch_break", "Repas à la cantine de l'atelier."), ("max_candidates", "2"), *hours]
    for path, fields in (
        (f"{step}/offre", offer_step),
        (f"{step}/structure", structure),
        (f"{step}/eleves-et-dates", [*dates, ("action", "next")]),
    ):
        answer = host.post_form(path, fields)
        assert answer.status_code == 303, (path, answer.text[:2000])
    submitted = host.post_form(f"{step}/egalite-des-chances", {"action": "next"})
    offer_id = int(OFFER_PAGE.match(submitted.headers["Location"]).group(1))
    published = host.post_form(f"/mon-espace/offres/{offer_id}/publier", {})
    assert published.status_code == 303
    return offer_id


@pytest.fixture(scope="module")
def journey(stack, address_index) -> dict[str, Any]:
    """The report of the journey, run once for the module's tests."""
    load_sample(stack.env["DATABASE_URL_MATCHING"])
    week = college_week(-1)
    title = f"Atelier de réparation de vélos {uuid.uuid4().hex[:6]}"
    host_email, host_token = confirmed_account(stack, "employer", first_name="Inès", last_name="Caron")
    offer_id = published_through_the_host_pages(stack, host_email, title, week)
    _, school_token = confirmed_account(
        stack, "school_manager", first_name="Nadia", last_name="Lefèvre", school_uai=CLAUDEL
    )
    suffix = uuid.uuid4().hex[:8]
    legal = {"email": f"famille-{suffix}@example.fr", "phone": "06 98 76 54 32", "phone_e164": "+33698765432"}
    settings = {
        "pupil": {
            "first_name": "Léa",
            "last_name": "Martin",
            "email": f"lea-{suffix}@example.fr",
            "password": PASSWORD,
            "class_name": "3e B",
            "phone": "06 12 34 56 78",
            "phone_e164": "+33612345678",
        },
        "school_query": "camille claudel",
        "school_name": "Camille Claudel",
        "school_uai": CLAUDEL,
        "offer": {"id": offer_id, "title": title, "week": week},
        "motivation": "J'aime réparer les vélos de ma famille et je voudrais en faire mon métier.",
        "host_token": host_token,
        "school_token": school_token,
        "host_part": HOST_PART,
        "school_part": {
            **SCHOOL_PART,
            "legal_representative_email": legal["email"],
            "legal_representative_phone": legal["phone"],
        },
        "legal_representative": legal,
        "open_convention": "Voir la convention",
        "sign_button": "Signer la convention",
    }
    report = run_journey(stack, "pupil", settings, timeout=300)
    report["settings"] = settings
    return report


@pytest.mark.timeout(400)
def test_a_pupil_finds_applies_confirms_and_signs_and_their_family_signs(journey):
    assert not journey["error"], failure(journey)
    seen, settings = journey["seen"], journey["settings"]
    offer_id = settings["offer"]["id"]

    assert f"Un mail vous a été envoyé à l'adresse {settings['pupil']['email']}" in seen["mail_sent"]
    assert seen["landing_flash"] == "Votre adresse électronique est confirmée : vous êtes connecté."

    # the list is the API's search for this pupil, and the map places the list's offers
    assert offer_id in seen["list_ids"]
    assert seen["list_ids"] == seen["api_ids"]
    assert seen["map"]["total"] == len(seen["list_ids"]), seen["map"]
    assert settings["offer"]["title"] in seen["offer_page"]
    assert "Atelier de plain-pied, accessible en fauteuil." in seen["offer_page"]

    assert seen["motivation_counter"] == f"{len(settings['motivation'])}/1500 caractères"
    assert all(presses >= 1 for presses in seen["apply_keys"].values()), seen["apply_keys"]
    assert seen["applied_flash"] == "Votre candidature est envoyée à Atelier vélo du 13e."
    assert seen["confirmed_flash"].startswith("Stage confirmé")
    assert seen["status_before_signing"] == "ready_to_sign"

    final = seen["final"]
    signed = {signature["role"] for signature in final["signatures"]}
    assert {"student", "legal_representative"} <= signed, final
    assert "student" not in final["awaiting_signatures"] and "legal_representative" not in final["awaiting_signatures"]
    assert seen["pupil_signing"]["result"] == "Votre signature est enregistrée.", seen["pupil_signing"]
    assert seen["legal_signing"]["result"].startswith("Merci : votre signature est enregistrée."), seen["legal_signing"]
    # the school gave the legal representative's phone: their dialog suggests it
    assert seen["legal_signing"]["prefilled_phone"] == settings["legal_representative"]["phone"]


@pytest.mark.timeout(400)
def test_every_page_of_the_pupils_journey_is_accessible_narrow_and_protected(journey):
    assert not journey["error"], failure(journey)
    checked = [check for page in journey["pages"] for check in page["checks"]]
    assert len(checked) >= 12, [check["name"] for check in checked]
    assert page_problems(journey) == []
