"""A pupil's favourite offers and the offer's small map in a real browser (Debian's chromium):
the map shows one marker at the offer's place, « Ajouter aux favoris » / « Retirer des favoris »
work on the offer's page, the list and the search's results; every page passes axe-core, fits
375 px, has its CSP and no script error. The journey is
tests/support/web_journeys/pupil_favourites.py, run in a process of its own."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.test_host_application_pages import PASSWORD, account
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
from tests.support.browser_run import chromium, failure, page_problems, run_journey  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.usefixtures("chromium")]


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def test_a_pupil_keeps_a_favourite_and_sees_the_offers_place_on_a_map(stack, schools):
    _, host = account(stack, "employer")
    title = f"Atelier de céramique {uuid.uuid4().hex[:6]}"
    offer = publish(stack, host, title=title, place=NEAR_CLAUDEL)
    email, _ = account(stack, "student", "Léa", school_uai=CLAUDEL, grade="troisieme")

    report = run_journey(
        stack,
        "pupil_favourites",
        {"pupil": {"email": email, "password": PASSWORD}, "offer": {"id": offer["id"], "title": title}},
    )
    assert not report["error"], failure(report)
    assert page_problems(report) == []
    seen = report["seen"]
    assert seen["marker_title"] == title
    assert seen["map_box"]["height"] > 100 and seen["map_box"]["width"] > 200
    assert f"« {title} » est ajoutée à vos offres favorites." in seen["added_flash"]
    assert title in seen["list"] and "n'est plus disponible" not in seen["list"]
    assert "L'offre est retirée de vos offres favorites." in seen["removed_flash"]
    assert "Vous n'avez pas encore d'offre favorite" in seen["empty"]
