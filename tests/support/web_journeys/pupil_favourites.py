"""A pupil's favourite offers and an offer's small map, in a browser (not the whole pupil's
journey: tests/support/web_journeys/pupil.py).

Log in → the offer's page: its map and its one marker → « Ajouter aux favoris » → « Mes offres
favorites » from the menu → « Rechercher un stage »: the button says « Retirer des favoris » →
« Retirer des favoris » on the list → the empty list. Every page is checked (axe-core, 375 px).

Settings: ``base_url``, ``pupil`` (``email``, ``password``), ``offer`` (``id``, ``title``).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.support.browser import STEP_TIMEOUT_MS, Journey, settle


def flash(page: Page) -> str:
    message = page.locator("main .fr-alert[role=status]")
    return message.first.inner_text().strip() if message.count() else ""


def run(journey: Journey, settings: dict[str, Any]) -> None:
    base_url, pupil, offer = settings["base_url"], settings["pupil"], settings["offer"]
    page, seen = journey.page, journey.seen
    expect.set_options(timeout=STEP_TIMEOUT_MS)

    with journey.step("Connexion de l'élève"):
        page.goto(base_url + "/eleve/connexion")
        page.get_by_label("Adresse électronique").fill(pupil["email"])
        page.get_by_label("Mot de passe", exact=True).fill(pupil["password"])
        page.get_by_role("button", name="Connexion", exact=True).click()
        expect(page).to_have_url(base_url + "/mes-candidatures")

    with journey.step("L'offre et sa carte"):
        page.goto(f"{base_url}/offres/{offer['id']}")
        region = page.get_by_role("region", name="Carte : le lieu du stage")
        expect(region).to_be_visible()
        marker = page.locator("#carte-offre .leaflet-marker-icon")
        expect(marker).to_have_count(1)
        settle(page)
        seen["marker_title"] = marker.get_attribute("alt")
        box = region.bounding_box()
        seen["map_box"] = box
        journey.check_page(page, "L'offre et sa carte")

    with journey.step("Ajouter aux favoris"):
        page.get_by_role("button", name="Ajouter aux favoris").click()
        expect(page.get_by_role("button", name="Retirer des favoris")).to_be_visible()
        seen["added_flash"] = flash(page)

    with journey.step("Mes offres favorites"):
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes offres favorites").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mes offres favorites")
        seen["list"] = page.locator("#liste-favoris").inner_text()
        journey.check_page(page, "Mes offres favorites")

    with journey.step("Rechercher un stage : le bouton des favoris"):
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Rechercher un stage").click()
        button = page.get_by_role("button", name=f"Retirer des favoris : {offer['title']}")
        expect(button).to_be_visible()
        journey.check_page(page, "Rechercher un stage")

    with journey.step("Retirer des favoris"):
        page.goto(base_url + "/mes-offres-favorites")
        page.get_by_role("button", name=f"Retirer des favoris : {offer['title']}").click()
        expect(page.get_by_role("link", name="Rechercher un stage").last).to_be_visible()
        seen["removed_flash"] = flash(page)
        seen["empty"] = page.locator("main").inner_text()
        journey.check_page(page, "Mes offres favorites (vide)")
