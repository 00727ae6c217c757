"""A pupil's journey, as a 3e pupil and their family do it in a browser.

Home → « Mon Espace » → « Je suis un élève » → « Créer un compte » (the school suggested as it
is typed) → the emailed link logs in → « Rechercher un stage »: the offer on the list and on
the map → the offer page → « Postuler » with the keyboard alone → « Mes candidatures » → the
host accepts → « Confirmer ce stage » → the host and the school fill their parts → the pupil signs their convention (SMS
code, drawn signature) → the legal representative signs from the emailed link, in a browser of
their own.

Settings: ``base_url``, ``state_dir``, ``pupil`` (``first_name``, ``last_name``, ``email``,
``password``, ``class_name``, ``phone``, ``phone_e164``), ``school_query``, ``school_uai``,
``offer`` (``id``, ``title``), ``host_token``, ``school_token``, ``host_part``, ``school_part``,
``legal_representative`` (``email``, ``phone``, ``phone_e164``). What the pages showed goes to
``journey.seen`` for the test to judge; every page is checked (axe-core, 375 px).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, expect

from tests.support.browser import (
    STEP_TIMEOUT_MS,
    Journey,
    keyboard_activate,
    keyboard_choose,
    keyboard_type,
    read_link_from_mail,
    settle,
)
from tests.support.browser_signing import draw_signature
from tests.support.sms import texts_to, wait_for_code


def check(journey: Journey, page: Page, name: str) -> None:
    journey.check_page(page, name)


def flash(page: Page) -> str:
    """The message shown once at the top of the page ("" when none)."""
    message = page.locator("main .fr-alert[role=status]")
    return message.first.inner_text().strip() if message.count() else ""


def map_markers(page: Page) -> dict[str, Any]:
    """What the map shows: its markers one by one (their titles) and its clusters (their
    counts); ``total`` is how many offers the map places."""
    page.locator("#carte .leaflet-marker-icon").first.wait_for(state="attached")
    settle(page)
    return dict(
        page.evaluate(
            """() => {
                const icons = [...document.querySelectorAll('#carte .leaflet-marker-icon')];
                const single = icons.filter(icon => !icon.classList.contains('marker-cluster'))
                                    .map(icon => icon.getAttribute('alt') || icon.getAttribute('title'));
                const clusters = icons.filter(icon => icon.classList.contains('marker-cluster'))
                                      .map(icon => Number(icon.innerText.trim()));
                return {single, clusters, total: single.length + clusters.reduce((a, b) => a + b, 0)};
            }"""
        )
    )


def api(method: str, base_url: str, path: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A call of the host or the school, made beside the pupil's browser (their own pages are
    the host's and the school's journeys)."""
    answer = requests.request(
        method, base_url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert answer.ok, f"{method} {path}: {answer.status_code} {answer.text[:300]}"
    return answer.json() if answer.content else {}


def sign_in_dialog(page: Page, state_dir: str, phone: str, phone_e164: str, seen: dict[str, Any]) -> None:
    """The signing dialog as every signatory sees it: phone → 6-digit code from the SMS → drawn
    signature, ticked and signed."""
    dialog = page.get_by_role("dialog", name="Signature électronique")
    expect(dialog).to_be_visible()
    phone_input = dialog.get_by_label("Numéro de téléphone portable")
    expect(phone_input).to_be_focused()
    seen["prefilled_phone"] = phone_input.input_value()
    phone_input.fill(phone)
    before = len([text for text in texts_to(Path(state_dir), phone_e164) if "code" in text])
    dialog.get_by_role("button", name="Recevoir le code").click()
    code_input = dialog.get_by_label("Code reçu par SMS")
    expect(code_input).to_be_focused()
    code = wait_for_code(Path(state_dir), phone_e164, before + 1)
    code_input.fill(code)
    dialog.get_by_role("button", name="Continuer").click()
    seen["canvas"] = draw_signature(page)
    consent = dialog.get_by_text("J'ai lu la convention et j'accepte de la signer.")
    if consent.count():
        consent.click()  # the DSFR draws the box on the label, which takes the click
    dialog.get_by_role("button", name="Signer la convention", exact=True).click()
    expect(dialog).to_be_hidden()
    result = page.locator("#signature-resultat")
    expect(result).not_to_be_empty()
    seen["result"] = result.inner_text().strip()


def run(journey: Journey, settings: dict[str, Any]) -> None:
    base_url, state_dir = settings["base_url"], settings["state_dir"]
    pupil, offer = settings["pupil"], settings["offer"]
    page, seen = journey.page, journey.seen
    expect.set_options(timeout=STEP_TIMEOUT_MS)

    with journey.step("Mon Espace, Je suis un élève"):
        page.goto(base_url + "/")
        page.get_by_role("link", name="Mon Espace").first.click()
        page.get_by_role("link", name="Je suis un élève").click()
        expect(page).to_have_url(base_url + "/eleve/connexion")
        page.get_by_role("link", name="Créer un compte").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte — élève")
        check(journey, page, "Créer un compte")

    with journey.step("Créer un compte : l'établissement proposé à la saisie"):
        page.get_by_label("Prénom").fill(pupil["first_name"])
        page.get_by_label("Nom", exact=True).fill(pupil["last_name"])
        page.get_by_label("Adresse électronique").fill(pupil["email"])
        page.get_by_label("Rechercher votre établissement").press_sequentially(settings["school_query"], delay=40)
        suggestion = page.get_by_role("option").filter(has_text=settings["school_name"]).first
        suggestion.click()
        chosen = page.locator(f'input[name="school_uai"][value="{settings["school_uai"]}"]')
        expect(chosen).to_be_checked()
        page.get_by_label("Classe").fill(pupil["class_name"])
        page.get_by_text("3e", exact=True).click()
        page.get_by_label("Mot de passe", exact=True).fill(pupil["password"])
        check(journey, page, "Créer un compte : rempli")
        page.get_by_role("button", name="Créer mon compte").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Un mail vous a été envoyé")
        seen["mail_sent"] = page.locator("main").inner_text()

    with journey.step("Le lien de confirmation"):
        link = read_link_from_mail(state_dir, pupil["email"], "/confirmer-mon-email")
        page.goto(link)
        expect(page).to_have_url(base_url + "/mes-candidatures")
        seen["landing_flash"] = flash(page)
        check(journey, page, "Mes candidatures (vide)")

    with journey.step("Rechercher un stage : la liste et la carte"):
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Rechercher un stage").click()
        cards = page.locator("[data-offer-id]")
        expect(cards.filter(has_text=offer["title"])).to_have_count(1)
        seen["list_ids"] = [int(card.get_attribute("data-offer-id") or 0) for card in cards.all()]
        seen["count_heading"] = page.locator("#resultats").inner_text().strip()
        seen["map"] = map_markers(page)
        seen["api_ids"] = [
            result["id"] for result in page.request.get(base_url + "/api/v1/offers/search?page=1").json()["results"]
        ]
        check(journey, page, "Rechercher un stage")

    with journey.step("L'offre"):
        cards.filter(has_text=offer["title"]).get_by_role("link", name=offer["title"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(offer["title"])
        seen["offer_page"] = page.locator("main").inner_text()
        check(journey, page, "L'offre")

    with journey.step("Postuler, au clavier"):
        page.get_by_role("link", name="Postuler").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Postuler")
        keys = {"week": keyboard_choose(page, page.locator('input[type="radio"][name="weeks"]').first)}
        keys["motivation"] = keyboard_type(page, page.get_by_label("Votre motivation"), settings["motivation"])
        counter = page.locator(".e1s-counter").first
        expect(counter).to_have_text(f"{len(settings['motivation'])}/1500 caractères")  # updated as typed
        seen["motivation_counter"] = counter.inner_text().strip()
        keys["phone"] = keyboard_type(page, page.get_by_label("Votre téléphone portable"), pupil["phone"])
        seen["apply_keys"] = keys
        check(journey, page, "Postuler : rempli")
        keys["send"] = keyboard_activate(page, page.get_by_role("button", name="Envoyer ma candidature"))
        expect(page).to_have_url(base_url + "/mes-candidatures")
        seen["applied_flash"] = flash(page)
        seen["applied_row"] = page.locator("main").inner_text()
        check(journey, page, "Mes candidatures : envoyée")

    with journey.step("L'offreur accepte, l'élève confirme ce stage"):
        [application] = page.request.get(base_url + "/api/v1/applications").json()["results"]
        api("POST", base_url, f"/api/v1/applications/{application['id']}/validate", settings["host_token"], {})
        page.reload()
        page.get_by_role("button", name="Confirmer ce stage").click()
        seen["confirmed_flash"] = flash(page)
        check(journey, page, "Mes candidatures : stage confirmé")
        approved = page.request.get(f"{base_url}/api/v1/applications/{application['id']}").json()
        seen["convention_id"] = convention_id = approved["convention_id"]

    with journey.step("L'offreur et l'établissement remplissent leurs parties"):
        path = f"/api/v1/conventions/{convention_id}"
        api("PATCH", base_url, path, settings["host_token"], settings["host_part"])
        api("POST", base_url, path + "/complete", settings["host_token"], {})
        api("PATCH", base_url, path, settings["school_token"], settings["school_part"])
        seen["status_before_signing"] = api("POST", base_url, path + "/validate", settings["school_token"], {})[
            "status"
        ]

    with journey.step("L'élève signe sa convention"):
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes conventions").click()
        row = page.locator(f"#convention-{convention_id}")
        expect(row).to_be_visible()
        seen["my_conventions_row"] = " ".join(row.inner_text().split())
        check(journey, page, "Mes conventions")
        row.get_by_role("link", name=settings["open_convention"]).click()
        check(journey, page, "Ma convention")
        page.get_by_role("button", name=settings["sign_button"]).click()
        pupil_signing: dict[str, Any] = {}
        sign_in_dialog(page, state_dir, pupil["phone"], pupil["phone_e164"], pupil_signing)
        seen["pupil_signing"] = pupil_signing
        check(journey, page, "Ma convention : signée")

    legal = settings["legal_representative"]
    with journey.step("Le représentant légal ouvre le lien reçu par e-mail"):
        link = read_link_from_mail(state_dir, legal["email"], "/signer-la-convention")
        family = journey.watch(journey.context.browser.new_context(locale="fr-FR").new_page())  # type: ignore[union-attr]
        family.set_default_timeout(STEP_TIMEOUT_MS)
        family.goto(link)
        summary = family.get_by_role("region", name="La convention")
        expect(summary).to_be_visible()
        seen["legal_summary"] = summary.inner_text()
        check(journey, family, "Représentant légal : la convention")
        journey.seen["family_page"] = family.url

    with journey.step("Le représentant légal signe", family):
        family.get_by_role("button", name="Je signe la convention").click()
        legal_signing: dict[str, Any] = {}
        sign_in_dialog(family, state_dir, legal["phone"], legal["phone_e164"], legal_signing)
        seen["legal_signing"] = legal_signing
        check(journey, family, "Représentant légal : signée")
        seen["final"] = page.request.get(f"{base_url}/api/v1/conventions/{convention_id}").json()
