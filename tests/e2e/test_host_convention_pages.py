"""The conventions' pages over HTTP with a browser's cookies: the host fills in its part (its
errors at their fields) and validates it; the host's list shows each convention's state; the
signing calls a page's script makes (cookie and X-CSRF-Token) work, and are refused without the
token; the other signatories' pages (Signer en groupe, Mes conventions, the legal
representative's link) show what each may do."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
import requests

from tests.e2e.test_host_application_pages import Browser, account, field_message, ok, text
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
from tests.support.conventions import HOST_PART, SCHOOL_PART, college_week, drawn_signature
from tests.support.mailbox import token_in, wait_for_mail_containing
from tests.support.sms import texts_to, wait_for_code

pytestmark = pytest.mark.e2e

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


@dataclass
class Parties:
    """A convention between a host, a pupil and the pupil's school, each with their accounts."""

    convention_id: int
    offer: dict
    host_email: str
    host: dict[str, str]
    pupil_email: str
    pupil: dict[str, str]
    manager_email: str
    manager: dict[str, str]
    legal_representative_email: str = ""


def new_convention(stack, week_offset: int = -1) -> Parties:
    """A draft convention: the pupil applied, the host accepted, the pupil confirmed."""
    host_email, host = account(stack, "employer")
    pupil_email, pupil = account(stack, "student", "Zoé", school_uai=CLAUDEL, grade="troisieme")
    manager_email, manager = account(stack, "school_manager", "Nadia", school_uai=CLAUDEL)
    week = college_week(week_offset)
    offer = publish(stack, host, title=f"Fournil {uuid.uuid4().hex[:4]}", place=NEAR_CLAUDEL, college_weeks=[week])
    body = {"weeks": [week], "motivation": "J'aime le pain.", "phone": "06 12 34 56 78"}
    url = f"{stack.url}/api/v1/offers/{offer['id']}/applications"
    application = ok(requests.post(url, json=body, headers=pupil, timeout=10), 201)
    path = f"{stack.url}/api/v1/applications/{application['id']}"
    ok(requests.post(f"{path}/validate", headers=host, timeout=10))
    approved = ok(requests.post(f"{path}/approve", headers=pupil, timeout=10))
    return Parties(approved["convention_id"], offer, host_email, host, pupil_email, pupil, manager_email, manager)


def convention(stack, parties: Parties, headers: dict[str, str] | None = None) -> dict:
    path = f"{stack.url}/api/v1/conventions/{parties.convention_id}"
    return ok(requests.get(path, headers=headers or parties.host, timeout=10))


def ready_to_sign(stack, week_offset: int) -> Parties:
    """A new convention (see ``new_convention``) both sides have filled in: ready to sign."""
    parties = new_convention(stack, week_offset)
    path = f"{stack.url}/api/v1/conventions/{parties.convention_id}"
    school_part = {**SCHOOL_PART, "legal_representative_email": f"rl-{uuid.uuid4().hex[:8]}@example.fr"}
    ok(requests.patch(path, json=HOST_PART, headers=parties.host, timeout=10))
    ok(requests.post(f"{path}/complete", headers=parties.host, timeout=10))
    ok(requests.patch(path, json=school_part, headers=parties.manager, timeout=10))
    assert ok(requests.post(f"{path}/validate", headers=parties.manager, timeout=10))["status"] == "ready_to_sign"
    parties.legal_representative_email = school_part["legal_representative_email"]
    return parties


@pytest.fixture(scope="module")
def ready(stack, schools) -> Parties:
    """A convention ready to sign."""
    return ready_to_sign(stack, -2)


def host_form(**changes) -> list[tuple[str, str]]:
    """The host's part as its form posts it (four times a weekday, ``daily_hours.lundi`` each)."""
    values = {
        "tutor_name": "Camille Bernard",
        "tutor_role": "Cheffe boulangère",
        "tutor_email": "camille.bernard@example.fr",
        "tutor_phone": "06 11 22 33 44",
        "activities": "Observer le pétrissage, la cuisson et la vente ; échanger avec l'équipe.",
        "lunch_break": "De 12 h à 13 h, au calme dans la salle de pause.",
        "action": "enregistrer",
        **{key: value for key, value in changes.items() if not key.startswith("hours_")},
    }
    fields = list(values.items())
    for day in WEEKDAYS:
        times = changes.get(f"hours_{day}", ["09:00", "12:00", "13:00", "16:00"])
        fields.extend((f"daily_hours.{day}", time) for time in times)
    return fields


def test_the_host_fills_in_its_part_with_its_errors_at_their_fields(stack, schools):
    parties = new_convention(stack)
    page_path = f"/mon-espace/conventions/{parties.convention_id}"
    browser = Browser(stack)
    browser.log_in("/offreur/connexion", parties.host_email)

    listed = text(browser.get("/mon-espace/conventions"))
    assert "Mes conventions de stage" in listed and "Zoé Brûlé" in listed
    assert ">à remplir par vous<" in listed
    assert f'href="{page_path}">Remplir ma partie' in listed
    assert f'href="/api/v1/conventions/{parties.convention_id}/pdf"' in listed

    # the form starts with what the offer said: its description and its hours
    shown = browser.get(page_path)
    assert shown.status_code == 200
    page = text(shown)
    assert parties.offer["description"] in page
    assert re.search(r'name="daily_hours.lundi" value="08:00"', shown.text)
    for label in (
        "Nom du tuteur ou de la tutrice",
        "Fonction",
        "Adresse électronique",
        "Téléphone",
        "Activités prévues",
    ):
        assert f">{label}" in page, label
    assert "Pause déjeuner" in page and 'type="time"' in shown.text

    # a day with a departure and no arrival is refused before the service is asked
    half_day = browser.post(page_path, host_form(hours_mardi=["", "", "", "12:00"]))
    assert half_day.status_code == 422
    assert field_message(half_day, "f-daily-hours-mardi") == (
        "Mardi : indiquez l'heure d'arrivée et l'heure de départ, ou laissez la journée vide."
    )
    assert "Camille Bernard" in text(half_day)  # what was typed is shown again

    # the service's messages land at their fields
    wrong_email = browser.post(page_path, host_form(tutor_email="pas-une-adresse"))
    assert wrong_email.status_code == 422
    assert field_message(wrong_email, "f-tutor-email") == "Format invalide."
    too_long = browser.post(page_path, host_form(hours_lundi=["08:00", "", "", "17:00"]))
    assert too_long.status_code == 422
    message = field_message(too_long, "f-daily-hours")
    assert "lundi : 9 h de présence, au-delà de 7 h par jour." in message
    assert "lundi : une pause d'au moins 30 minutes est due après 4 h 30 de présence." in message

    # saved, then the host's part is validated; an empty required field is said at its field
    saved = browser.post(page_path, host_form(hours_vendredi=["09:00", "", "", "12:00"]))
    assert "Votre partie de la convention est enregistrée." in text(browser.follow(saved))
    stored = convention(stack, parties)
    assert (stored["tutor_phone"], stored["daily_hours"]["vendredi"]) == ("+33611223344", ["09:00", "12:00"])
    assert stored["daily_hours"]["lundi"] == ["09:00", "12:00", "13:00", "16:00"]
    incomplete = browser.post(page_path, host_form(lunch_break="", action="valider"))
    assert incomplete.status_code == 422
    assert "La partie de l'organisme d'accueil est incomplète." in text(incomplete)
    assert field_message(incomplete, "f-lunch-break") == "À renseigner avant de valider votre partie."
    completed = browser.post(page_path, host_form(action="valider"))
    done = text(browser.follow(completed))
    assert "Votre partie de la convention est validée : l'établissement complète maintenant la sienne." in done
    assert "Votre partie est validée : elle ne se modifie plus." in done
    assert f'action="{page_path}"' not in done  # no form any more: a read-only display
    assert convention(stack, parties)["status"] == "completed_by_employer"
    again = browser.post(page_path, host_form(action="valider"))
    assert "Votre partie est déjà déclarée complète : elle ne se modifie plus." in text(browser.follow(again))
    assert ">en attente de l'établissement<" in text(browser.get("/mon-espace/conventions"))


def test_the_host_signs_with_its_session_cookie_and_the_csrf_token(stack, ready):
    browser = Browser(stack)
    browser.log_in("/offreur/connexion", ready.host_email)
    listed = browser.get("/mon-espace/conventions")
    page = text(listed)
    assert ">prête à signer<" in page and ">Signer en groupe</button>" in page
    box = re.search(rf'<input type="checkbox" name="convention_ids" value="{ready.convention_id}"[^>]*>', listed.text)
    assert box and "disabled" not in box.group(0)
    assert "Tout sélectionner" in page
    assert "Pour garantir la sécurité de votre signature, nous allons vous authentifier" in page

    # without JavaScript the signing button says what it needs
    posted = browser.post("/mon-espace/conventions", [("convention_ids", str(ready.convention_id))])
    assert "La signature électronique a besoin de JavaScript" in text(browser.follow(posted))

    # the page's script: the cookie, and the page's token in X-CSRF-Token
    body = {"convention_ids": [ready.convention_id], "phone": "06 33 33 33 33"}
    forged = browser.api("POST", "/api/v1/signatures/code", body, csrf=False)
    assert (forged.status_code, forged.json()["code"]) == (403, "CSRF_FAILED")
    codes_before = len([sms for sms in texts_to(stack.state_dir, "+33633333333") if "code" in sms])
    request = ok(browser.api("POST", "/api/v1/signatures/code", body), 202)
    assert request["convention_ids"] == [ready.convention_id] and request["masked_phone"].endswith("33")
    code = wait_for_code(stack.state_dir, "+33633333333", codes_before + 1)
    signing = {"signature_request_id": request["signature_request_id"], "code": code}
    signing["signature_image"] = drawn_signature()
    forged = browser.api("POST", "/api/v1/signatures/sign", signing, csrf=False)
    assert (forged.status_code, forged.json()["code"]) == (403, "CSRF_FAILED")
    assert ok(browser.api("POST", "/api/v1/signatures/sign", signing)) == {"signed": [ready.convention_id]}

    # the table, as the script reloads it after signing: the new state, nothing left to tick
    listed = browser.get("/mon-espace/conventions")
    page = text(listed)
    assert ">signatures en cours<" in page
    assert "le chef d'établissement, l'élève et le représentant légal" in page
    box = re.search(rf'<input type="checkbox" name="convention_ids" value="{ready.convention_id}"[^>]*>', listed.text)
    assert box and "disabled" in box.group(0)


def test_the_other_signatories_pages(stack, ready):
    # the head of school signs the school's ready conventions on « Signer en groupe »
    manager = Browser(stack)
    anonymous = manager.get("/signer-en-groupe")
    assert (anonymous.status_code, anonymous.headers["Location"]) == (303, "/connexion?suite=/signer-en-groupe")
    manager.log_in("/connexion", ready.manager_email)
    batch = manager.get("/signer-en-groupe")
    assert batch.status_code == 200
    page = text(batch)
    assert "Zoé Brûlé" in page and ">Signer en groupe</button>" in page
    box = re.search(rf'<input type="checkbox" name="convention_ids" value="{ready.convention_id}"[^>]*>', batch.text)
    assert box and "disabled" not in box.group(0)

    # the host is sent to its own list; the pupil finds the convention and its PDF
    host = Browser(stack)
    host.log_in("/offreur/connexion", ready.host_email)
    assert host.get("/signer-en-groupe").headers["Location"] == "/mon-espace/conventions"
    assert host.get(f"/mes-conventions?convention={ready.convention_id}").headers["Location"] == (
        f"/mon-espace/conventions/{ready.convention_id}"
    )
    pupil = Browser(stack)
    pupil.log_in("/connexion", ready.pupil_email)
    mine = pupil.get(f"/mes-conventions?convention={ready.convention_id}")
    page = text(mine)
    assert mine.status_code == 200 and "Convention de Zoé Brûlé" in page
    assert page.count("Télécharger la convention (PDF)") == 2  # put forward, and in the table
    assert 'class="e1s-featured"' in mine.text
    pdf = pupil.http.get(f"{stack.url}/api/v1/conventions/{ready.convention_id}/pdf", timeout=60)
    assert (pdf.status_code, pdf.headers["Content-Type"]) == (200, "application/pdf")


def test_the_legal_representatives_link_shows_the_convention_to_sign(stack, ready):
    mail = wait_for_mail_containing(stack.state_dir, ready.legal_representative_email, "token=")
    token = token_in(mail)
    visitor = Browser(stack)
    shown = visitor.get(f"/signer-la-convention?token={token}")
    assert shown.status_code == 200
    assert shown.headers["Referrer-Policy"] == "no-referrer"  # the token is in this page's address
    page = text(shown)
    assert "Zoé Brûlé, élève de 3e" in page and ">Je signe la convention</button>" in page
    assert f"/api/v1/conventions/{ready.convention_id}/pdf?token={token}" in page
    assert "J'ai lu la convention et j'accepte de la signer." in page
    assert 'value="06 98 76 54 32"' in shown.text  # the number the school gave

    # without JavaScript, the button says what signing needs
    posted = visitor.post(f"/signer-la-convention?token={token}")
    assert posted.headers["Location"] == f"/signer-la-convention?token={token}"
    assert "La signature électronique a besoin de JavaScript" in text(visitor.follow(posted))

    unknown = visitor.get("/signer-la-convention?token=" + "x" * 40)
    assert unknown.status_code == 404 and "Ce lien de signature est inconnu ou a expiré." in text(unknown)
    incomplete = visitor.get("/signer-la-convention")
    assert incomplete.status_code == 400 and "Ce lien est incomplet" in text(incomplete)
