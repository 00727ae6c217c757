"""The legal representative signs on the emailed page (or, with ``login`` in the settings, a
pupil on their convention's page), in a real browser, drawing with the mouse in the signing
dialog (phone, code, drawing); axe-core checks the page and the dialog.

    python -m tests.support.browser_signing '{"url": ..., "state_dir": ..., "phone": ..., ...}'

Drives Debian's chromium (``/usr/bin/chromium``, never a browser downloaded by playwright)
through playwright's sync API, and prints one JSON object: what the page showed at each step,
the signature image it sent, and ``error`` (with a screenshot) if a step did not happen.

A process of its own because the suite monkey-patches eventlet at import (tests/conftest.py):
under that patch playwright's sync API drives the page, but leaving ``sync_playwright()``
never returns (it waits in eventlet's hub for the driver process to end).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, settle
from tests.support.sms import wait_for_code

STEP_TIMEOUT_MS = 15_000


def draw_signature(page: Page) -> dict[str, float]:
    """A scribble across the canvas with the mouse (down, several moves, up); its bounding box."""
    canvas = page.get_by_role("img", name="Votre signature")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 30, f"the signature canvas is too small: {box}"
    x, y, width, height = box["x"], box["y"], box["width"], box["height"]
    points = [(0.08, 0.75), (0.25, 0.2), (0.4, 0.8), (0.55, 0.25), (0.7, 0.7), (0.92, 0.3)]
    page.mouse.move(x + width * points[0][0], y + height * points[0][1])
    page.mouse.down()
    for fx, fy in points[1:]:
        page.mouse.move(x + width * fx, y + height * fy, steps=8)
    page.mouse.up()
    return box


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations of the page as shown now (rule: target)."""
    settle(page)
    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    return [
        f"{violation['id']}: {node['target']}"
        for violation in results["violations"]
        if violation.get("impact") in ("serious", "critical")
        for node in violation["nodes"]
    ]


def sign(page: Page, settings: dict[str, Any], seen: dict[str, Any]) -> None:
    result = page.locator("#signature-resultat[aria-live]")

    login = settings.get("login")
    if login:
        seen["step"] = "log in"
        page.goto(login["url"])
        page.get_by_label("Adresse électronique").fill(login["email"])
        page.get_by_label("Mot de passe", exact=True).fill(login["password"])
        page.get_by_role("button", name="Connexion", exact=True).click()
        page.wait_for_load_state("load")

    seen["step"] = "open the signing page"
    page.goto(settings["url"])
    summary = page.get_by_role("region", name="La convention")
    expect(summary).to_be_visible()
    seen["summary"] = summary.inner_text()
    seen["axe_page"] = serious_violations(page)

    seen["step"] = "open the signing dialog"
    start = page.get_by_role("button", name=settings.get("start_button", "Je signe la convention"))
    start.click()
    dialog = page.get_by_role("dialog", name="Signature électronique")
    expect(dialog).to_be_visible()

    seen["step"] = "ask for the code"
    phone = dialog.get_by_label("Numéro de téléphone portable")
    expect(phone).to_be_focused()
    seen["prefilled_phone"] = phone.input_value()
    seen["axe_dialog"] = serious_violations(page)
    phone.fill(settings["phone_typed"])
    dialog.get_by_role("button", name="Recevoir le code").click()
    sent = dialog.get_by_role("status").filter(has_text="Un code à 6 chiffres")
    expect(sent).to_be_visible()
    seen["code_sent_message"] = sent.inner_text()
    code = wait_for_code(Path(settings["state_dir"]), settings["phone"], settings["code_number"])

    seen["step"] = "type a wrong code, draw and tick"
    code_input = dialog.get_by_label("Code reçu par SMS")
    expect(code_input).to_be_focused()
    code_input.fill(f"{(int(code) + 1) % 1_000_000:06d}")
    dialog.get_by_role("button", name="Continuer").click()
    seen["canvas_box"] = draw_signature(page)
    # the DSFR draws the box on the label, which takes the click
    dialog.get_by_text("J'ai lu la convention et j'accepte de la signer.").click()
    expect(dialog.get_by_label("J'ai lu la convention et j'accepte de la signer.")).to_be_checked()

    seen["step"] = "submit the wrong code"
    submit = dialog.get_by_role("button", name="Signer la convention", exact=True)
    submit.click()
    expect(code_input).to_be_visible()
    expect(code_input).to_have_attribute("aria-invalid", "true")
    seen["wrong_code_message"] = dialog.locator("#signature-code-messages").inner_text()
    seen["wrong_code_marked_invalid"] = code_input.get_attribute("aria-invalid")

    seen["step"] = "submit the right code"
    code_input.fill(f"{code[:3]} {code[3:]}")
    dialog.get_by_role("button", name="Continuer").click()
    submit.click()
    expect(result).to_contain_text("votre signature est enregistrée", ignore_case=True)
    seen["success_message"] = result.inner_text()
    expect(dialog).to_be_hidden()
    seen["sign_form_hidden"] = start.is_hidden()
    if settings.get("state_after"):
        # a convention's page reads its state again from the server once signed
        state = page.locator(settings["state_after"]["selector"])
        expect(state).to_contain_text(settings["state_after"]["text"])
        seen["state_after"] = state.inner_text()
    seen["step"] = "done"


def main() -> None:
    settings = json.loads(sys.argv[1])
    seen: dict[str, Any] = {
        "error": None,
        "sign_requests": [],
        "page_errors": [],
        "console_errors": [],
        "failed_responses": [],
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(STEP_TIMEOUT_MS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda error: seen["page_errors"].append(str(error)))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and seen["console_errors"].append(f"{message.text} ({message.location.get('url')})")
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and seen["failed_responses"].append(f"{response.status} {response.request.method} {response.url}")
            ),
        )
        page.on(
            "request",
            lambda request: (
                request.method == "POST"
                and request.url.endswith("/api/v1/signatures/sign")
                and seen["sign_requests"].append(request.post_data_json)
            ),
        )
        try:
            sign(page, settings, seen)
        except Exception as error:  # reported to the test, which fails with it
            seen["error"] = f"{type(error).__name__}: {error}"
            screenshot = Path(settings["screenshot_dir"]) / "signing-page.png"
            page.screenshot(path=str(screenshot), full_page=True)
            seen["screenshot"] = str(screenshot)
        finally:
            browser.close()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
