"""The host's statistics over HTTP: a pupil reads an offer's page twice and applies, the host
accepts; GET /api/v1/offers/statistics and « Statistiques de mes offres » show one view, one
application, one accepted for that offer and in its space's totals; another team sees none
of it, and neither the host's own reading nor an anonymous visitor's counts."""

from __future__ import annotations

import html
import re
import time
import uuid

import pytest
import requests

from tests.e2e.test_host_tutorial_in_a_browser import PASSWORD, account
from tests.e2e.test_search_journey import CLAUDEL, publish
from tests.e2e.test_statistics_pages import schools  # noqa: F401 (a fixture)
from tests.support.conventions import application_body
from tests.support.page_session import PageSession

pytestmark = pytest.mark.e2e

ZEROS = {"views": 0, "applications": 0, "accepted": 0, "signed": 0}


def bearer(person: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {person['token']}"}


def host_statistics(stack, person: dict[str, str]) -> requests.Response:
    return requests.get(f"{stack.url}/api/v1/offers/statistics", headers=bearer(person), timeout=10)


def figures_of(report: dict, offer_id: int) -> dict[str, int]:
    [row] = [row for row in report["offers"] if row["offer_id"] == offer_id]
    return {name: row[name] for name in ZEROS}


def eventually_viewed(stack, host: dict[str, str], *offer_ids: int) -> dict:
    """The statistics once matching has counted each offer's view (views travel as events)."""
    deadline = time.monotonic() + 10
    while True:
        answer = host_statistics(stack, host)
        assert answer.status_code == 200, answer.text
        viewed = all(figures_of(answer.json(), offer_id)["views"] for offer_id in offer_ids)
        if viewed or time.monotonic() > deadline:
            return answer.json()
        time.sleep(0.2)


def figures_in_page(page: str, row_id: str) -> list[str]:
    match = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', page, re.S)
    assert match, f"no row {row_id!r}"
    return [html.unescape(cell) for cell in re.findall(r'<td class="fr-cell--right">([^<]*)</td>', match.group(1))]


def test_views_applications_and_accepted_reach_the_hosts_statistics(stack, schools):  # noqa: F811
    host = account(stack.url, stack.state_dir, "employer", "Théophile", "Roux")
    title = f"Statistiques {uuid.uuid4().hex[:6]}"
    offer = publish(stack, bearer(host), title=title)
    previewed = publish(stack, bearer(host), title=f"Aperçu {uuid.uuid4().hex[:6]}")
    pupil = account(stack.url, stack.state_dir, "student", "Inès", "Brûlé", school_uai=CLAUDEL, grade="troisieme")

    reader = PageSession(stack.url)
    reader.log_in(pupil["email"], PASSWORD)
    for _ in range(2):  # the same pupil, the same day: one view
        assert reader.get(f"/offres/{offer['id']}").status_code == 200
    assert PageSession(stack.url).get(f"/offres/{offer['id']}").status_code == 200  # anonymous: not counted
    # The JSON preview a pupil's client reads counts as the page does.
    preview = requests.get(f"{stack.url}/api/v1/offers/{previewed['id']}/preview", headers=bearer(pupil), timeout=10)
    assert preview.status_code == 200, preview.text
    owner = PageSession(stack.url)
    owner.log_in(host["email"], PASSWORD)
    assert owner.get(f"/offres/{offer['id']}").status_code == 200  # the host's own reading: not counted

    applied = requests.post(
        f"{stack.url}/api/v1/offers/{offer['id']}/applications",
        json=application_body(),
        headers=bearer(pupil),
        timeout=10,
    )
    assert applied.status_code == 201, applied.text
    accepted = requests.post(
        f"{stack.url}/api/v1/applications/{applied.json()['id']}/validate", headers=bearer(host), timeout=10
    )
    assert accepted.status_code == 200, accepted.text

    eventually_viewed(stack, host, offer["id"], previewed["id"])
    time.sleep(0.5)  # a second view, had it been counted, would be there by now
    report = host_statistics(stack, host).json()
    assert figures_of(report, offer["id"]) == {"views": 1, "applications": 1, "accepted": 1, "signed": 0}
    assert figures_of(report, previewed["id"]) == {**ZEROS, "views": 1}
    [space] = report["spaces"]
    assert space["offers"] == 2
    assert {name: space[name] for name in ZEROS} == {"views": 2, "applications": 1, "accepted": 1, "signed": 0}
    assert report["total"] == {"views": 2, "applications": 1, "accepted": 1, "signed": 0}

    page = owner.get("/mon-espace/offres/statistiques")
    assert page.status_code == 200
    assert "<h1>Statistiques de mes offres</h1>" in page.text and title in page.text
    assert figures_in_page(page.text, f"offre-{offer['id']}") == ["1", "1", "1", "0"]
    assert figures_in_page(page.text, f"offre-{previewed['id']}") == ["1", "0", "0", "0"]
    assert figures_in_page(page.text, f"espace-{space['space_id']}") == ["2", "2", "1", "1", "0"]
    assert 'href="/mon-espace/offres/statistiques"' in owner.get("/mon-espace/offres").text

    stranger = account(stack.url, stack.state_dir, "employer", "Agathe", "Morel")
    theirs = host_statistics(stack, stranger)
    assert theirs.status_code == 200
    assert theirs.json()["offers"] == [] and theirs.json()["total"] == ZEROS
    stranger_page = PageSession(stack.url)
    stranger_page.log_in(stranger["email"], PASSWORD)
    assert title not in stranger_page.get("/mon-espace/offres/statistiques").text

    refused = host_statistics(stack, pupil)
    assert refused.status_code == 403, refused.text
