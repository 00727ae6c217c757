"""The tutorial's step 1 (« Je me connecte »), as a new host does it in a browser.

Home → « Mon Espace » → « Je suis un offreur » → the login page → « Créer un compte » → a
too short password refused at its field → « Un mail vous a été envoyé » → the emailed link
logs in → « Se déconnecter » → a wrong password and an unknown address → « Mot de passe
oublié ? » → the emailed link → a new password → logging in with it, with the keyboard alone.

Settings: ``base_url``, ``state_dir``, ``email`` (a new address), ``password``,
``new_password``. What the pages showed goes to ``journey.seen`` for the test to judge;
every page is checked (axe-core, 375 px).
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import (
    STEP_TIMEOUT_MS,
    Journey,
    focused_description,
    keyboard_activate,
    keyboard_type,
    read_link_from_mail,
    storage_snapshot,
)

SESSION_COOKIE = "e1s_session"


def session_cookie(context: BrowserContext) -> dict[str, Any] | None:
    """The browser's session cookie, as the browser keeps it (None when there is none)."""
    return next((dict(cookie) for cookie in context.cookies() if cookie["name"] == SESSION_COOKIE), None)


def what_scripts_see_of_the_session(page: Page, token: str | None) -> dict[str, Any]:
    """Whether the page's scripts can read the session: its cookie or its token anywhere."""
    storage = storage_snapshot(page)
    readable = [storage["cookie"]["value"], *storage["local"].values(), *storage["session"].values()]
    return {
        "document_cookie": storage["cookie"]["value"],
        "local_storage_keys": sorted(storage["local"]),
        "session_storage_keys": sorted(storage["session"]),
        "session_cookie_readable": SESSION_COOKIE in storage["cookie"]["value"],
        "token_readable": bool(token) and any(token in (value or "") for value in readable),
    }


def error_summary(page: Page) -> dict[str, Any]:
    """The error summary at the top of a refused form, and whether it has the focus."""
    summary = page.locator("#resume-des-erreurs")
    expect(summary).to_be_visible()
    return {"text": summary.inner_text(), "focused": focused_description(page).startswith("div#resume-des-erreurs")}


def flash(page: Page) -> str:
    """The message shown once at the top of the page ("" when none)."""
    message = page.locator("main .fr-alert[role=status]")
    return message.first.inner_text() if message.count() else ""


def log_in_refused(page: Page, email: str, password: str) -> dict[str, Any]:
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion", exact=True).click()
    summary = error_summary(page)
    summary["email_kept"] = page.get_by_label("Adresse électronique").input_value()
    return summary


def run(journey: Journey, settings: dict[str, Any]) -> None:
    base_url, state_dir = settings["base_url"], settings["state_dir"]
    email, password, new_password = settings["email"], settings["password"], settings["new_password"]
    page, seen = journey.page, journey.seen
    expect.set_options(timeout=STEP_TIMEOUT_MS)

    with journey.step("Accueil"):
        page.goto(base_url + "/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        journey.check_page(page, "Accueil")

    with journey.step("Mon Espace"):
        page.get_by_role("link", name="Mon Espace", exact=True).click()
        expect(page.get_by_role("heading", level=1, name="Mon Espace")).to_be_visible()
        seen["my_space_url"] = page.url
        journey.check_page(page, "Mon Espace")

    with journey.step("Je suis un offreur"):
        page.get_by_role("link", name="Je suis un offreur").click()
        button = page.get_by_role("button", name="Connexion", exact=True)
        expect(button).to_be_visible()
        seen["login_url"] = page.url
        seen["login_heading"] = page.get_by_role("heading", level=1).inner_text()
        seen["login_button"] = {
            "classes": button.get_attribute("class"),
            "background": button.evaluate("element => getComputedStyle(element).backgroundColor"),
            "color": button.evaluate("element => getComputedStyle(element).color"),
        }
        seen["signup_link"] = page.get_by_role("link", name="Créer un compte").get_attribute("href")
        seen["forgotten_link"] = page.get_by_role("link", name="Mot de passe oublié ?").get_attribute("href")
        journey.check_page(page, "Connexion offreur")

    with journey.step("Créer un compte"):
        page.get_by_role("link", name="Créer un compte").click()
        expect(page.get_by_role("button", name="Créer mon compte")).to_be_visible()
        seen["signup_url"] = page.url
        # the address's label holds its hint (« Format attendu : nom@domaine.fr »): not exact
        labels = (("Prénom", True), ("Nom", True), ("Adresse électronique", False), ("Mot de passe", True))
        seen["signup_fields"] = {
            label: page.get_by_label(label, exact=exact).get_attribute("name") for label, exact in labels
        }
        seen["password_rules"] = page.locator("#f-password-rules").inner_text()
        journey.check_page(page, "Créer un compte")

    with journey.step("Mot de passe trop court"):
        page.get_by_label("Prénom", exact=True).fill("Camille")
        page.get_by_label("Nom", exact=True).fill("Lefèvre")
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe", exact=True).fill("court")
        page.get_by_role("button", name="Créer mon compte").click()
        summary = error_summary(page)
        field = page.get_by_label("Mot de passe", exact=True)
        seen["short_password"] = {
            **summary,
            "status": journey.visits[-1].status,
            "field_message": page.locator("#f-password-messages").inner_text(),
            "field_invalid": field.get_attribute("aria-invalid"),
            "field_described_by": field.get_attribute("aria-describedby"),
            "kept": {
                "first_name": page.get_by_label("Prénom", exact=True).input_value(),
                "last_name": page.get_by_label("Nom", exact=True).input_value(),
                "email": page.get_by_label("Adresse électronique").input_value(),
                "password": field.input_value(),
            },
        }
        journey.check_page(page, "Créer un compte : mot de passe refusé")

    with journey.step("Un mail vous a été envoyé"):
        page.get_by_label("Mot de passe", exact=True).fill(password)
        page.get_by_role("button", name="Créer mon compte").click()
        expect(page.get_by_role("heading", level=1, name="Un mail vous a été envoyé")).to_be_visible()
        seen["mail_sent_text"] = page.locator("main").inner_text()
        journey.check_page(page, "Un mail vous a été envoyé")

    with journey.step("Lien de confirmation"):
        link = read_link_from_mail(state_dir, email, "/confirmer-mon-email")
        response = page.goto(link)
        assert response is not None
        cookie = session_cookie(journey.context)
        seen["landing"] = {
            "url": page.url,
            "status": journey.visits[-1].status,
            "flash": flash(page),
            "title": page.title(),
        }
        seen["session_cookie"] = cookie and {
            key: cookie[key] for key in ("httpOnly", "sameSite", "secure", "path", "expires")
        }
        seen["scripts_see_after_confirmation"] = what_scripts_see_of_the_session(page, cookie and cookie["value"])
        if journey.visits[-1].status == 200:
            journey.check_page(page, "Mon espace après confirmation")

    with journey.step("Se déconnecter"):
        logout = page.get_by_role("button", name="Se déconnecter")
        if not logout.count():  # the landing page is not built yet: the header of the home page
            page.goto(base_url + "/")
        seen["scripts_see_on_a_page"] = what_scripts_see_of_the_session(
            page, (session_cookie(journey.context) or {}).get("value")
        )
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
        seen["logged_out"] = {"url": page.url, "flash": flash(page), "cookie": session_cookie(journey.context)}
        journey.check_page(page, "Déconnecté")

    with journey.step("Mauvais mot de passe"):
        page.get_by_role("link", name="Mon Espace", exact=True).click()
        page.get_by_role("link", name="Je suis un offreur").click()
        seen["wrong_password"] = log_in_refused(page, email, "pas-le-bon-mot-de-passe")
        journey.check_page(page, "Connexion refusée")

    with journey.step("Adresse inconnue"):
        seen["unknown_address"] = log_in_refused(page, "personne-" + email, "pas-le-bon-mot-de-passe")

    with journey.step("Mot de passe oublié"):
        page.get_by_role("link", name="Mot de passe oublié ?").click()
        expect(page.get_by_role("heading", level=1, name="Mot de passe oublié ?")).to_be_visible()
        journey.check_page(page, "Mot de passe oublié")
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_role("button", name="Recevoir le lien").click()
        expect(page.get_by_role("button", name="Connexion", exact=True)).to_be_visible()
        seen["reset_asked"] = {"url": page.url, "flash": flash(page)}

    with journey.step("Lien de réinitialisation"):
        page.goto(read_link_from_mail(state_dir, email, "/nouveau-mot-de-passe"))
        expect(page.get_by_role("heading", level=1, name="Choisir un nouveau mot de passe")).to_be_visible()
        journey.check_page(page, "Nouveau mot de passe")
        page.get_by_label("Nouveau mot de passe", exact=True).fill(new_password)
        page.get_by_role("button", name="Enregistrer le mot de passe").click()
        expect(page.get_by_role("button", name="Connexion", exact=True)).to_be_visible()
        seen["password_changed"] = {"url": page.url, "flash": flash(page)}
        journey.check_page(page, "Connexion après changement")

    with journey.step("Connexion au clavier"):
        before = page.url
        # From the top of the page, as a keyboard user arrives on it.
        page.locator("body").evaluate("body => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
        presses = {
            "email": keyboard_type(page, page.get_by_label("Adresse électronique"), email),
            "password": keyboard_type(page, page.get_by_label("Mot de passe", exact=True), new_password),
            "button": keyboard_activate(page, page.get_by_role("button", name="Connexion", exact=True)),
        }
        expect(page).not_to_have_url(re.compile(re.escape(before) + "$"))
        page.wait_for_load_state("load")
        cookie = session_cookie(journey.context)
        seen["keyboard_login"] = {
            "tab_presses": presses,
            "url": page.url,
            "status": journey.visits[-1].status,
            "logged_in": cookie is not None,
        }
        seen["scripts_see_after_keyboard_login"] = what_scripts_see_of_the_session(page, cookie and cookie["value"])
