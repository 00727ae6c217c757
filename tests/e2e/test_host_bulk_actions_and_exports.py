"""A host's team refuses several applications at once with one reason (through the JSON API
and the applications page's « Refuser la sélection »), each pupil told as for one refusal,
another team's application refused per id; the team's applications and conventions exported
as CSV and Excel with the list's filters, another team's rows absent."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests
from openpyxl import load_workbook

from services.common.database import create_service_engine
from tests.e2e.test_host_application_pages import Browser, account, field_message, ok, text
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
from tests.integration.test_listing_queries import seed_listed
from tests.support.conventions import college_week
from tests.support.mailbox import text_of, wait_for_mail_containing

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def apply(stack, offer: dict, pupil: dict[str, str], motivation: str = "Je veux découvrir ce métier.") -> dict:
    body = {"weeks": [college_week(-1)], "motivation": motivation, "phone": "06 12 34 56 78"}
    answer = requests.post(
        f"{stack.url}/api/v1/offers/{offer['id']}/applications", json=body, headers=pupil, timeout=10
    )
    return ok(answer, 201)


PUPILS = ("Ana", "Bob", "Cyd", "Dan", "Eve")


@pytest.fixture(scope="module")
def people(stack, schools) -> dict[str, tuple[str, dict[str, str]]]:
    """Accounts the tests share, made once (an account costs a password hash and an email): five
    pupils of Claudel by first name, and « other », a host of another team. Each test has its
    own host and offers, so their applications do not mix."""
    made = {name: account(stack, "student", name, school_uai=CLAUDEL, grade="troisieme") for name in PUPILS}
    return {**made, "other": account(stack, "employer")}


def application(stack, headers: dict[str, str], application_id: int) -> dict:
    return ok(requests.get(f"{stack.url}/api/v1/applications/{application_id}", headers=headers, timeout=10))


def test_the_host_refuses_several_applications_at_once_and_each_pupil_is_told(stack, people):
    _, host = account(stack, "employer")
    _, other_host = people["other"]
    week = college_week(-1)
    offer = publish(stack, host, title=f"Fournil {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    theirs = publish(stack, other_host, title="Ailleurs", place=NEAR_CLAUDEL, college_weeks=[week])
    (ana_email, ana), (bob_email, bob), (_, cyd), (_, dan) = (people[name] for name in ("Ana", "Bob", "Cyd", "Dan"))
    ana_app, bob_app, cyd_app = (apply(stack, offer, pupil) for pupil in (ana, bob, cyd))
    foreign = apply(stack, theirs, dan)
    ok(requests.post(f"{stack.url}/api/v1/applications/{cyd_app['id']}/cancel", json={}, headers=cyd, timeout=10))

    url = f"{stack.url}/api/v1/applications/reject"
    # a blank reason refuses nothing, said at its field; a pupil may not bulk-reject
    blank = requests.post(url, json={"ids": [ana_app["id"]], "reason": "  "}, headers=host, timeout=10)
    assert blank.status_code == 422 and blank.json()["fields"]["reason"] == [
        "Indiquez le motif du refus : l'élève le recevra."
    ]
    assert requests.post(url, json={"ids": [1], "reason": "Non"}, headers=ana, timeout=10).status_code == 403
    assert application(stack, host, ana_app["id"])["status"] == "submitted"

    reason = "Notre fournil ferme pour travaux cette semaine-là."
    body = {"ids": [ana_app["id"], bob_app["id"], cyd_app["id"], foreign["id"], ana_app["id"]], "reason": reason}
    answer = ok(requests.post(url, json=body, headers=host, timeout=10))
    assert answer["rejected"] == [ana_app["id"], bob_app["id"]]
    refused = {item["id"]: item for item in answer["refused"]}
    assert sorted(refused) == [cyd_app["id"], foreign["id"]]
    # another team's application: as if it did not exist
    assert (refused[foreign["id"]]["code"], refused[foreign["id"]]["message"]) == (
        "NOT_FOUND",
        "Candidature introuvable.",
    )
    assert refused[cyd_app["id"]]["code"] == "INVALID_TRANSITION"
    for rejected in (ana_app, bob_app):
        now = application(stack, host, rejected["id"])
        assert (now["status"], now["reason"], now["history"][-1]["by_role"]) == ("rejected", reason, "employer")
    assert application(stack, other_host, foreign["id"])["status"] == "submitted"
    assert application(stack, host, cyd_app["id"])["status"] == "cancelled"
    # each pupil receives the refusal with its reason, as for a single one
    for email in (ana_email, bob_email):
        mail = wait_for_mail_containing(stack.state_dir, email, reason)
        assert "n'a pas retenu votre candidature" in text_of(mail)


def test_the_applications_page_refuses_the_checked_applications(stack, people):
    host_email, host = account(stack, "employer")
    week = college_week(-1)
    offer = publish(stack, host, title=f"Atelier {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    (eva_email, eva), (_, fay), (_, gil) = (people[name] for name in ("Eve", "Bob", "Cyd"))
    eva_app, fay_app, gil_app = (apply(stack, offer, pupil) for pupil in (eva, fay, gil))
    ok(requests.post(f"{stack.url}/api/v1/applications/{gil_app['id']}/cancel", json={}, headers=gil, timeout=10))

    browser = Browser(stack)
    browser.log_in("/offreur/connexion", host_email)
    here = f"/mon-espace/candidatures?offre={offer['id']}"
    listed = browser.get(here)
    assert listed.status_code == 200
    page = text(listed)
    assert 'action="/mon-espace/candidatures?offre=' in page and ">Refuser la sélection</button>" in page
    # a checkbox for each application that may still be refused, none for the cancelled one
    for pending in (eva_app, fay_app):
        assert f'name="candidature" value="{pending["id"]}"' in page
    assert f'name="candidature" value="{gil_app["id"]}"' not in page

    nothing = browser.post(here, {"reason": "Complet."})
    assert nothing.status_code == 422 and "Cochez au moins une candidature à refuser." in text(nothing)
    blank = browser.post(here, [("candidature", str(eva_app["id"])), ("reason", " ")])
    assert blank.status_code == 422
    assert field_message(blank, "f-reason") == "Indiquez le motif du refus : l'élève le recevra."
    assert f'value="{eva_app["id"]}" id="candidature-{eva_app["id"]}" checked' in blank.text  # kept checked
    forged = browser.post(here, [("candidature", str(eva_app["id"])), ("reason", "Complet.")], csrf=False)
    assert forged.status_code == 403

    reason = "L'atelier est complet cette semaine-là."
    done = browser.post(
        here, [("candidature", str(eva_app["id"])), ("candidature", str(fay_app["id"])), ("reason", reason)]
    )
    assert done.headers["Location"] == here
    after = text(browser.follow(done))
    assert "2 candidatures refusées : chaque élève recevra votre motif." in after
    assert after.count(">refusée<") == 2
    assert application(stack, host, eva_app["id"])["reason"] == reason
    assert "n'a pas retenu votre candidature" in text_of(wait_for_mail_containing(stack.state_dir, eva_email, reason))

    # refused again (already answered): said on the page, nothing changes
    again = browser.post(here, [("candidature", str(eva_app["id"])), ("reason", reason)])
    after = text(browser.follow(again))
    assert f"1 candidature n'a pas pu être refusée (n° {eva_app['id']} : " in after


ANATOLE_FRANCE = "0132561N"  # collège, Marseille: no other end-to-end test's pupils are there


def csv_rows(answer: requests.Response) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="')
    assert answer.headers["Cache-Control"] == "no-store"
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(answer: requests.Response) -> list[dict]:
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(answer.content)).active
    header, *lines = sheet.iter_rows(values_only=True)
    return [dict(zip(header, line, strict=True)) for line in lines]


def export(stack, headers: dict[str, str], path: str, **params) -> requests.Response:
    return requests.get(f"{stack.url}{path}", params=params, headers=headers, timeout=30)


def test_a_team_exports_its_applications_and_conventions_with_the_lists_filters(stack, people):
    host_email, host = account(stack, "employer")
    _, other_host = people["other"]
    week = college_week(-1)
    bakery = publish(stack, host, title=f"Fournil {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    garage = publish(stack, host, title=f"Garage {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    theirs = publish(stack, other_host, title="Ailleurs", place=NEAR_CLAUDEL, college_weeks=[week])
    (_, ana), (_, bob), (_, cyd), (_, dan), (_, eve) = (people[name] for name in PUPILS)
    ana_app = apply(stack, bakery, ana)
    bob_app = apply(stack, bakery, bob, "=1+1 je veux voir le four")
    cyd_app = apply(stack, garage, cyd)
    eve_app = apply(stack, garage, eve)
    dan_app = apply(stack, theirs, dan)
    for pupil, owner, done in ((ana, host, ana_app), (eve, host, eve_app), (dan, other_host, dan_app)):
        path = f"{stack.url}/api/v1/applications/{done['id']}"
        ok(requests.post(f"{path}/validate", headers=owner, timeout=10))
        ok(requests.post(f"{path}/approve", headers=pupil, timeout=10))
    # Eve withdraws after confirming: her convention is cancelled
    ok(requests.post(f"{stack.url}/api/v1/applications/{eve_app['id']}/cancel", json={}, headers=eve, timeout=10))

    everything = csv_rows(export(stack, host, "/api/v1/applications/export.csv"))
    assert {row["N° de candidature"] for row in everything} == {
        str(a["id"]) for a in (ana_app, bob_app, cyd_app, eve_app)
    }
    bob_row = next(row for row in everything if row["N° de candidature"] == str(bob_app["id"]))
    assert (bob_row["Élève"], bob_row["Offre"], bob_row["Statut"]) == ("Bob Brûlé", bakery["title"], "nouvelle")
    assert bob_row["Lettre de motivation"] == "'=1+1 je veux voir le four"  # no formula runs
    assert bob_row["Téléphone de l'élève"] == "06 12 34 56 78"
    submitted = csv_rows(export(stack, host, "/api/v1/applications/export.csv", status="submitted"))
    assert [row["N° de candidature"] for row in submitted] == [str(cyd_app["id"]), str(bob_app["id"])]  # newest first
    garage_only = xlsx_rows(export(stack, host, "/api/v1/applications/export.xlsx", offer_id=garage["id"]))
    assert sorted(row["N° de candidature"] for row in garage_only) == sorted([cyd_app["id"], eve_app["id"]])
    assert {row["Offre"] for row in garage_only} == {garage["title"]}
    # the list's query parameters, checked as the list checks them
    wrong = export(stack, host, "/api/v1/applications/export.csv", status="perdue")
    assert wrong.status_code == 422 and "status" in wrong.json()["fields"]

    conventions = xlsx_rows(export(stack, host, "/api/v1/conventions/export.xlsx"))
    by_pupil = {row["Élève"]: row for row in conventions}
    assert sorted(by_pupil) == ["Ana Brûlé", "Eve Brûlé"]  # not Dan's, another team's
    assert (by_pupil["Ana Brûlé"]["État"], by_pupil["Eve Brûlé"]["État"]) == ("en préparation", "annulée")
    assert by_pupil["Ana Brûlé"]["Offre"] == bakery["title"] and by_pupil["Ana Brûlé"]["Début"] is not None
    drafts = csv_rows(export(stack, host, "/api/v1/conventions/export.csv", status="draft"))
    assert [row["Élève"] for row in drafts] == ["Ana Brûlé"]

    # the list pages link their exports, with their filters; the browser's session downloads them
    browser = Browser(stack)
    browser.log_in("/offreur/connexion", host_email)
    page = text(browser.get(f"/mon-espace/candidatures?offre={garage['id']}&statut=submitted"))
    exports_there = f"/api/v1/applications/export.csv?offer_id={garage['id']}&status=submitted"
    assert f'href="{exports_there}" download>Exporter (CSV)</a>' in page
    assert f'href="{exports_there.replace(".csv", ".xlsx")}" download>Exporter (Excel)</a>' in page
    conventions_page = browser.get("/mon-espace/conventions").text
    assert 'href="/api/v1/conventions/export.csv"' in conventions_page
    assert 'href="/api/v1/conventions/export.xlsx"' in conventions_page
    downloaded = browser.get(f"/api/v1/applications/export.csv?offer_id={garage['id']}")
    assert len(csv_rows(downloaded)) == 2

    # a pupil has nothing to export
    assert export(stack, ana, "/api/v1/conventions/export.csv").status_code == 403
    assert export(stack, {}, "/api/v1/conventions/export.csv").status_code == 401


def test_a_school_exports_its_pupils_conventions(stack, people):
    _, host = account(stack, "employer")
    week = college_week(-1)
    offer = publish(stack, host, title=f"Fournil {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    _, pupil = account(stack, "student", "Lou", school_uai=ANATOLE_FRANCE, grade="troisieme")
    _, elsewhere = people["Dan"]
    for who in (pupil, elsewhere):
        done = apply(stack, offer, who)
        path = f"{stack.url}/api/v1/applications/{done['id']}"
        ok(requests.post(f"{path}/validate", headers=host, timeout=10))
        ok(requests.post(f"{path}/approve", headers=who, timeout=10))
    head_email, head = account(stack, "school_manager", "Nadia", school_uai=ANATOLE_FRANCE)

    rows = csv_rows(export(stack, head, "/api/v1/conventions/export.csv"))
    assert [(row["Élève"], row["UAI de l'établissement"]) for row in rows] == [("Lou Brûlé", ANATOLE_FRANCE)]
    applications = xlsx_rows(export(stack, head, "/api/v1/applications/export.xlsx"))
    assert [row["Élève"] for row in applications] == ["Lou Brûlé"]
    browser = Browser(stack)
    browser.log_in("/etablissement/connexion", head_email)
    page = browser.get("/mes-conventions").text
    assert 'href="/api/v1/conventions/export.csv"' in page and 'href="/api/v1/conventions/export.xlsx"' in page


def test_a_long_export_is_read_page_by_page_while_it_is_sent(stack):
    _, host = account(stack, "employer")
    team_id = ok(requests.get(f"{stack.url}/api/v1/me", headers=host, timeout=10))["team_id"]
    engine = create_service_engine(stack.env["DATABASE_URL_CONVENTIONS"])
    try:
        seed_listed(engine, team_id, 250, 10_000_000 + team_id * 1_000)  # three pages of the list
    finally:
        engine.dispose()
    answer = export(stack, host, "/api/v1/conventions/export.csv")
    assert "Content-Length" not in answer.headers  # sent as it is written
    rows = csv_rows(answer)
    assert len(rows) == 250 and len({row["N° de convention"] for row in rows}) == 250
    assert len(xlsx_rows(export(stack, host, "/api/v1/applications/export.xlsx"))) == 250
