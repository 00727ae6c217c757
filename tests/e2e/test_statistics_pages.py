"""The administrators' « Statistiques » over HTTP: the page (DSFR tables, French numbers),
its CSV export and GET /api/v1/statistics, as a national administrator, as an academy's
(its departments only), and refused to anybody else."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import requests

from gateway.statistics import french_number
from tests.e2e.test_host_journey import logged_in_host
from tests.e2e.test_host_tutorial_in_a_browser import PASSWORD, account
from tests.e2e.test_search_journey import CLAUDEL, logged_in, publish
from tests.support.admins import create_admin
from tests.support.conventions import application_body
from tests.support.page_session import PageSession

pytestmark = pytest.mark.e2e

AJACCIO = {"street": "2 cours Napoléon", "zipcode": "20000", "city": "Ajaccio", "latitude": 41.919, "longitude": 8.738}
BASTIA = {"street": "3 boulevard Paoli", "zipcode": "20200", "city": "Bastia", "latitude": 42.700, "longitude": 9.450}
SAINT_DENIS = {
    "street": "1 place Victor Hugo",
    "zipcode": "93200",
    "city": "Saint-Denis",
    "latitude": 48.936,
    "longitude": 2.357,
}


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def statistics(stack, token: str) -> requests.Response:
    return requests.get(f"{stack.url}/api/v1/statistics", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def bearer(stack, person: dict[str, str]) -> str:
    answer = requests.post(f"{stack.url}/api/v1/auth/login", json=person, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["role"] == "admin"
    return str(answer.json()["token"])


def rows_of(report: dict, section: str) -> dict[str, dict]:
    [found] = [item for item in report["sections"] if item["key"] == section]
    return {row["key"]: row["values"] for row in found["rows"]}


def table_row(page: str, label: str) -> list[str]:
    """The figures of the row headed ``label`` in the page (as a person reads them)."""
    match = re.search(rf"<th scope=\"row\"[^>]*>{re.escape(label)}</th>(.*?)</tr>", page, re.S)
    assert match, f"no row {label!r}"
    return [html.unescape(cell) for cell in re.findall(r"<td class=\"fr-cell--right\">([^<]*)</td>", match.group(1))]


@pytest.fixture(scope="module")
def corsica(stack, schools) -> dict:
    """Offers in Corsica (2A, 2B) and in Seine-Saint-Denis, an application to each; the national
    figures before and after."""
    national = create_admin(stack)
    token = bearer(stack, national)
    before = statistics(stack, token).json()
    host = logged_in_host(stack)
    ajaccio = publish(stack, host, place=AJACCIO, max_candidates=3, grades=["troisieme"])
    publish(
        stack, host, place=BASTIA, max_candidates=1234, reserved_for={"rep": True, "qpv": False, "school_uai": None}
    )
    saint_denis = publish(stack, host, place=SAINT_DENIS, max_candidates=2)
    pupil = logged_in(stack, "student", school_uai=CLAUDEL, grade="troisieme")
    for offer in (ajaccio, saint_denis):
        applied = requests.post(
            f"{stack.url}/api/v1/offers/{offer['id']}/applications", json=application_body(), headers=pupil, timeout=10
        )
        assert applied.status_code == 201, applied.text
    after = statistics(stack, token).json()
    return {"national": national, "before": before, "after": after}


def test_a_national_administrator_reads_every_department(stack, corsica):
    before, after = corsica["before"], corsica["after"]
    assert after["academy"] is None and re.fullmatch(r"\d{4}-\d{4}", after["school_year"])
    assert (after["offers"] - before["offers"], after["seats"] - before["seats"]) == (3, 3 + 1234 + 2)
    departments = rows_of(after, "offers_by_department")
    assert departments["2A"] == {"offers": 1, "seats": 3}
    assert departments["2B"] == {"offers": 1, "seats": 1234}
    assert departments["93"]["offers"] >= 1
    assert departments["total"] == {"offers": after["offers"], "seats": after["seats"]}
    submitted = rows_of(after, "applications_by_status")["submitted"]["count"]
    assert submitted - rows_of(before, "applications_by_status")["submitted"]["count"] == 2

    browser = PageSession(stack.url)
    landing = browser.log_in(corsica["national"]["email"], corsica["national"]["password"])
    assert landing == "/statistiques"  # the administrators' home
    page = browser.get(landing)
    assert page.status_code == 200
    assert "Statistiques de l'année scolaire" in page.text and "Toute la France" in page.text
    assert '<a class="fr-nav__link" href="/statistiques" aria-current="page">Statistiques</a>' in page.text
    for caption in (
        "Offres publiées et places par département",
        "Offres publiées et places par classe",
        "Offres publiées réservées (égalité des chances)",
        "Candidatures par statut",
        "Conventions par statut",
    ):
        assert f"<caption>{caption}</caption>" in page.text
    assert table_row(page.text, "2B – Haute-Corse") == ["1", "1\u00a0234"]
    assert table_row(page.text, "2A – Corse-du-Sud") == ["1", "3"]
    assert 'href="/statistiques.csv"' in page.text and "Exporter en CSV" in page.text

    export = browser.get("/statistiques.csv")
    assert export.status_code == 200
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert export.headers["Content-Disposition"].startswith('attachment; filename="statistiques-')
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeffsection;key;value\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert ["offers_by_department.seats", "2B", "1234"] in rows
    assert ["scope", "academy", ""] in rows
    # Read after the API's answer: other tests of the session may have published since.
    [total] = [int(row[2]) for row in rows if row[:2] == ["offers_by_department.offers", "total"]]
    assert total >= after["offers"]


def test_an_academy_administrator_reads_only_its_departments(stack, corsica):
    rector = create_admin(stack, academy="Corse")
    report = statistics(stack, bearer(stack, rector)).json()
    assert report["academy"] == "Corse"
    assert rows_of(report, "offers_by_department") == {
        "2A": {"offers": 1, "seats": 3},
        "2B": {"offers": 1, "seats": 1234},
        "total": {"offers": 2, "seats": 1237},
    }
    assert rows_of(report, "offers_by_grade")["troisieme"] == {"offers": 2, "seats": 1237}
    assert rows_of(report, "offers_by_grade")["seconde"] == {"offers": 0, "seats": 0}
    reserved = rows_of(report, "reserved_offers")
    assert reserved["rep"] == {"offers": 1, "share": 50.0}
    # The application to Saint-Denis is not Corsica's.
    assert rows_of(report, "applications_by_status")["submitted"] == {"count": 1}
    assert rows_of(report, "applications_by_status")["total"] == {"count": 1}

    browser = PageSession(stack.url)
    browser.log_in(rector["email"], rector["password"])
    page = browser.get("/statistiques")
    assert page.status_code == 200 and "Académie de Corse" in page.text
    assert "93 – Seine-Saint-Denis" not in page.text
    assert table_row(page.text, "Total") == [french_number(2), french_number(1237)]
    assert "1\u00a0237" in page.text
    rows = list(csv.reader(io.StringIO(browser.get("/statistiques.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert {row[1] for row in rows if row[0] == "offers_by_department.offers"} == {"2A", "2B", "total"}
    assert ["scope", "academy", "Corse"] in rows


def test_anybody_else_is_refused(stack, schools):
    assert requests.get(f"{stack.url}/api/v1/statistics", timeout=10).status_code == 401
    anonymous = PageSession(stack.url)
    sent = anonymous.get("/statistiques", follow=False)
    assert sent.status_code == 303 and sent.headers["Location"] == "/connexion?suite=/statistiques"
    assert anonymous.get("/statistiques.csv", follow=False).status_code == 303

    pupil = account(stack.url, stack.state_dir, "student", "Léa", "Martin", school_uai=CLAUDEL, grade="troisieme")
    employer = account(stack.url, stack.state_dir, "employer", "Éva", "Roux")
    for person in (pupil, employer):
        refused = statistics(stack, person["token"])
        assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    browser = PageSession(stack.url)
    browser.log_in(employer["email"], PASSWORD)
    page = browser.get("/statistiques")
    assert page.status_code == 403 and "Cette page est réservée aux administrateurs de la plateforme." in page.text
    assert 'href="/statistiques"' not in page.text  # no administrators' menu
    export = browser.get("/statistiques.csv")
    assert export.status_code == 403 and export.headers["Content-Type"].startswith("text/html")


def test_the_route_is_documented(stack):
    document = requests.get(f"{stack.url}/api/openapi.json", timeout=10).json()
    operation = document["paths"]["/api/v1/statistics"]["get"]
    assert set(operation["responses"]) >= {"200", "403"}
