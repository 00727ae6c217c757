"""A host's team refuses several applications at once with one reason (through the JSON API
and the applications page's « Refuser la sélection »), each pupil told as for one refusal,
another team's application refused per id; the team's applications and conventions exported
as CSV and Excel with the list's filters, another team's rows absent."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.e2e.test_host_application_pages import Browser, account, field_message, ok, text
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
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


def pupils(stack, *names: str) -> list[tuple[str, dict[str, str]]]:
    return [account(stack, "student", name, school_uai=CLAUDEL, grade="troisieme") for name in names]


def application(stack, headers: dict[str, str], application_id: int) -> dict:
    return ok(requests.get(f"{stack.url}/api/v1/applications/{application_id}", headers=headers, timeout=10))


def test_the_host_refuses_several_applications_at_once_and_each_pupil_is_told(stack, schools):
    _, host = account(stack, "employer")
    _, other_host = account(stack, "employer")
    week = college_week(-1)
    offer = publish(stack, host, title=f"Fournil {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    theirs = publish(stack, other_host, title="Ailleurs", place=NEAR_CLAUDEL, college_weeks=[week])
    (ana_email, ana), (bob_email, bob), (_, cyd), (_, dan) = pupils(stack, "Ana", "Bob", "Cyd", "Dan")
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


def test_the_applications_page_refuses_the_checked_applications(stack, schools):
    host_email, host = account(stack, "employer")
    week = college_week(-1)
    offer = publish(stack, host, title=f"Atelier {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    (eva_email, eva), (_, fay), (_, gil) = pupils(stack, "Eva", "Fay", "Gil")
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
