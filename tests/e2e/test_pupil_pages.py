"""The pupils' pages over HTTP, as a browser without JavaScript uses them: a pupil creates an
account (the school found with « Rechercher »), confirms it from the email, reads an offer,
applies (a double click makes one application), the host accepts, the pupil confirms the
internship on « Mes candidatures » and a convention exists."""

from __future__ import annotations

import html
import re
import uuid

import pytest
import requests

from tests.e2e.test_host_journey import logged_in_host
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
from tests.support.mailbox import text_of, token_in, wait_for_mail
from tests.support.page_session import PageSession

pytestmark = pytest.mark.e2e

PASSWORD = "un-mot-de-passe-solide"
KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')
WEEK = re.compile(r'type="radio" id="f-weeks-\d+" name="weeks" value="([0-9]{4}-W[0-9]{2})"')


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def text(answer: requests.Response) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(answer.text)


def signed_up_pupil(stack) -> tuple[PageSession, str]:
    """A pupil who created an account through the page and confirmed it: logged in."""
    browser = PageSession(stack.url)
    email = f"eleve-{uuid.uuid4().hex[:8]}@example.fr"
    form = browser.get("/eleve/inscription")
    assert form.status_code == 200 and "Créer un compte — élève" in text(form)
    typed = {"first_name": "Léa", "last_name": "Martin", "email": email, "class_name": "3e B"}

    found = browser.post_form("/eleve/inscription", {**typed, "school_query": "camille claudel", "action": "search"})
    assert found.status_code == 200, found.text[:500]
    assert f'name="school_uai" value="{CLAUDEL}"' in found.text and "Collège Camille Claudel" in text(found)
    assert f'value="{email}"' in found.text  # what was typed stays

    missing = browser.post_form("/eleve/inscription", {**typed, "school_uai": CLAUDEL, "password": PASSWORD})
    assert missing.status_code == 422
    assert "Choisissez votre niveau : 4e, 3e ou 2de." in text(missing) and 'href="#f-grade"' in missing.text
    assert f'value="{CLAUDEL}" checked' in missing.text  # the chosen school stays chosen

    body = {**typed, "school_uai": CLAUDEL, "grade": "troisieme", "password": PASSWORD, "action": "signup"}
    sent = browser.post_form("/eleve/inscription", body)
    assert sent.status_code == 200 and "Un mail vous a été envoyé" in text(sent), sent.text[:500]
    # The same address again reads as a first sign-up (nobody learns who has an account): the
    # owner gets a second email instead of a new confirmation link.
    taken = browser.post_form("/eleve/inscription", body)
    assert taken.status_code == 200 and "Un mail vous a été envoyé" in text(taken)

    mails = wait_for_mail(stack.state_dir, email, count=2)
    [mail] = [message for message in mails if "confirmer-mon-email" in text_of(message)]
    confirmed = browser.get(f"/confirmer-mon-email?token={token_in(mail)}", follow=False)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/mes-candidatures"
    landing = browser.get("/mes-candidatures")
    assert landing.status_code == 200 and "Vous n'avez pas encore envoyé de candidature." in text(landing)
    return browser, email


def test_a_pupil_signs_up_applies_and_confirms_an_accepted_internship(stack, schools):
    home = requests.get(f"{stack.url}/eleve/connexion", timeout=10)
    assert 'href="/eleve/inscription"' in home.text

    host = logged_in_host(stack)
    title = f"Découverte d'un atelier de vélos {uuid.uuid4().hex[:6]}"
    offer = publish(stack, host, title=title, place=NEAR_CLAUDEL)
    offer_path = f"/offres/{offer['id']}"

    anonymous = requests.get(stack.url + offer_path, timeout=10)
    assert anonymous.status_code == 200 and title in text(anonymous)
    assert "Boulangerie des Canuts" in text(anonymous) and "Environnement de travail" in text(anonymous)
    assert f'href="/eleve/connexion?suite={offer_path}/postuler"' in anonymous.text
    assert requests.get(f"{stack.url}/offres/987654321", timeout=10).status_code == 404
    # The partner API's link to the offer (the national platform's address) leads there.
    partner_link = requests.get(f"{stack.url}/offres-de-stage/{offer['id']}?page=1&utm_source=operator-1", timeout=10)
    assert partner_link.history[0].status_code == 301 and partner_link.url == stack.url + offer_path
    assert title in text(partner_link)
    hidden = publish(stack, host, title="Bientôt masquée")
    requests.post(f"{stack.url}/api/v1/offers/{hidden['id']}/unpublish", headers=host, timeout=10).raise_for_status()
    assert requests.get(f"{stack.url}/offres/{hidden['id']}", timeout=10).status_code == 404

    browser, _ = signed_up_pupil(stack)
    page = browser.get(offer_path)
    assert f'href="{offer_path}/postuler"' in page.text

    form = browser.get(offer_path + "/postuler")
    assert form.status_code == 200 and "Votre motivation" in text(form)
    key = KEY.search(form.text).group(1)
    weeks = WEEK.findall(form.text)
    assert weeks == sorted(offer["weeks"])
    script = "<script>alert('x')</script> J'aime réparer les vélos."

    refused = browser.post_form(offer_path + "/postuler", {"idempotency_key": key, "motivation": script})
    assert refused.status_code == 422 and "Choisissez la semaine de votre stage." in text(refused)
    assert "<script>alert" not in refused.text and "&lt;script&gt;alert(" in refused.text

    fields = {"idempotency_key": key, "weeks": weeks[0], "motivation": script, "phone": "06 12 34 56 78"}
    applied = browser.post_form(offer_path + "/postuler", fields)
    assert applied.status_code == 303 and applied.headers["Location"] == "/mes-candidatures"
    listing = browser.get("/mes-candidatures")
    assert "Votre candidature est envoyée à Boulangerie des Canuts." in text(listing)
    assert "envoyée" in text(listing) and "Annuler ma candidature" in text(listing)
    assert f'href="{offer_path}"' in listing.text and "Confirmer ce stage" not in text(listing)
    again = browser.post_form(offer_path + "/postuler", fields)  # a double click
    assert again.status_code == 303
    other = browser.post_form(
        offer_path + "/postuler", {**fields, "idempotency_key": uuid.uuid4().hex, "motivation": "Autre texte."}
    )
    assert other.status_code == 422
    assert "Vous avez déjà candidaté à cette offre : retrouvez votre candidature dans « Mes candidatures »." in text(
        other
    )

    mine = browser.http.get(stack.url + "/api/v1/applications", timeout=10).json()
    [application] = mine["results"]
    assert application["offer_id"] == offer["id"] and application["status"] == "submitted"

    validated = requests.post(
        f"{stack.url}/api/v1/applications/{application['id']}/validate", json={}, headers=host, timeout=10
    )
    assert validated.status_code == 200, validated.text

    listing = browser.get("/mes-candidatures")
    assert "acceptée par l'organisme" in text(listing) and "Confirmer ce stage" in text(listing)
    assert "En confirmant, vos autres candidatures pour les mêmes semaines sont annulées." in text(listing)
    confirmed = browser.post_form("/mes-candidatures", {"action": "approve", "application_id": application["id"]})
    assert confirmed.status_code == 303
    listing = browser.get("/mes-candidatures")
    assert "Stage confirmé" in text(listing) and "confirmée" in text(listing)
    assert 'href="/mes-conventions"' in listing.text and "Annuler ma candidature" not in text(listing)

    approved = browser.http.get(f"{stack.url}/api/v1/applications/{application['id']}", timeout=10).json()
    assert approved["status"] == "approved" and approved["convention_id"] is not None
    convention = browser.http.get(f"{stack.url}/api/v1/conventions/{approved['convention_id']}", timeout=10)
    assert convention.status_code == 200, convention.text

    wrong = browser.post_form("/mes-candidatures", {"action": "approve", "application_id": application["id"]})
    assert wrong.status_code == 303  # already approved: told by a flash message, nothing changes


def test_pupils_pages_ask_pupils_to_log_in(stack):
    anonymous = requests.get(f"{stack.url}/mes-candidatures", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303
    assert anonymous.headers["Location"] == "/eleve/connexion?suite=/mes-candidatures"
    apply = requests.get(f"{stack.url}/offres/1/postuler", allow_redirects=False, timeout=10)
    assert apply.headers["Location"] == "/eleve/connexion?suite=/offres/1/postuler"
