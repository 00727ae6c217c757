"""A head of school in a browser: the school's weeks, its part of two conventions, and signing
them in a group.

1. « Je suis un établissement » → « Se connecter » (the account is made by the test) → « Mes
   conventions ».
2. « Semaines de stage »: two upcoming weeks ticked on the calendar, « Enregistrer ».
3. Each convention (its host's part done by the test): « Remplir ma partie »; the first one is
   validated with its class left empty (the error shown at its field), then completed; « Valider »
   makes each ready to sign.
4. « Signer en groupe »: « Tout sélectionner », the phone number, the code read from the SMS
   outbox, the signature drawn with the mouse; each row's PDF.
5. « Classes et élèves »: « Exporter (Excel) » and « Exporter (CSV) », the pupils' applications;
   each downloaded file read back (openpyxl, csv).

Settings: ``base_url``, ``state_dir``, ``head`` (email, password, phone, phone_e164),
``weeks`` (two upcoming collège weeks to tick), ``conventions`` (ids, both ready for the
school's part), ``school_part`` (the form's values by field name). What the pages showed goes to
``journey.seen``; every page is checked (axe-core, 375 px).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.support.browser import STEP_TIMEOUT_MS, Journey
from tests.support.browser_signing import draw_signature
from tests.support.sms import texts_to, wait_for_code
from tests.support.web_journeys.host_tutorial import badge_text, check, flash, pdf_answer, shown

CLASS_FIELD = "student_class"


def field(page: Page, name: str) -> Any:
    """The form's field of the API's ``name`` (``student_class`` → ``#f-student-class``)."""
    return page.locator("#f-" + name.replace("_", "-"))


def flash_shown(page: Page) -> str:
    expect(page.locator("main .fr-alert[role=status]")).to_be_visible()
    return flash(page)


def log_in(journey: Journey, settings: dict[str, Any]) -> None:
    page, head = journey.page, settings["head"]
    with journey.step("Se connecter (établissement)"):
        # As from a link to « Mes conventions » (the journey does not test the school's home page).
        page.goto(settings["base_url"] + "/etablissement/connexion?suite=/mes-conventions")
        check(journey, page, "Connexion établissement")
        page.get_by_label("Adresse électronique").fill(head["email"])
        page.get_by_label("Mot de passe", exact=True).fill(head["password"])
        page.get_by_role("button", name="Connexion", exact=True).click()
        page.wait_for_url(re.compile(r"/mes-conventions$"))
        journey.seen["landing"] = page.url


def choose_weeks(journey: Journey, settings: dict[str, Any]) -> None:
    page, seen = journey.page, journey.seen
    with journey.step("Semaines de stage"):
        nav = page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Semaines de stage")
        if nav.count():  # the school's menu, when the layout has it
            nav.first.click()
        else:
            page.goto(settings["base_url"] + "/etablissement/semaines")
        page.wait_for_url(re.compile(r"/etablissement/semaines$"))
        boxes = page.locator('input[type="checkbox"][name="weeks"]')
        seen["calendar"] = {
            "months": page.locator("legend[id^=mois-]").all_inner_texts(),
            "boxes": boxes.count(),
            "disabled": page.locator('input[type="checkbox"][name="weeks"]:disabled').count(),
        }
        check(journey, page, "Semaines de stage")
        for week in settings["weeks"]:
            page.locator(f"label[for='semaine-{week}']").click()
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        seen["weeks_saved"] = flash_shown(page)
        seen["weeks_ticked"] = {week: page.locator(f"#semaine-{week}").is_checked() for week in settings["weeks"]}


def fill_school_part(journey: Journey, settings: dict[str, Any], convention_id: int, first: bool) -> dict[str, Any]:
    page = journey.page
    record: dict[str, Any] = {"id": convention_id}
    page.goto(settings["base_url"] + "/mes-conventions")
    row = page.locator(f"#convention-{convention_id}")
    record["listed_as"] = badge_text(row.locator(".fr-badge"))
    if first:
        check(journey, page, "Mes conventions, à remplir")
    row.get_by_role("link", name=re.compile("^Remplir ma partie")).click()
    page.wait_for_url(re.compile(rf"/etablissement/conventions/{convention_id}$"))
    record["host_part_shown"] = "Camille Bernard" in page.locator("main").inner_text()
    for name, value in settings["school_part"].items():
        field(page, name).fill("" if first and name == CLASS_FIELD else value)
    if first:
        check(journey, page, "Convention : partie de l'établissement")
        page.get_by_role("button", name="Valider", exact=True).click()
        summary = page.locator("#resume-des-erreurs")
        expect(summary).to_be_visible()
        record["error_summary"] = summary.inner_text()
        record["class_message"] = page.locator("#f-student-class-messages").inner_text().strip()
        record["class_described_by"] = field(page, CLASS_FIELD).get_attribute("aria-describedby")
        check(journey, page, "Convention : partie de l'établissement, erreur")
        field(page, CLASS_FIELD).fill(settings["school_part"][CLASS_FIELD])
    page.get_by_role("button", name="Valider", exact=True).click()
    record["validated_flash"] = flash_shown(page)
    record["state"] = badge_text(page.locator("main .fr-badge").first)
    return record


def sign_in_a_group(journey: Journey, settings: dict[str, Any]) -> None:
    page, seen, head = journey.page, journey.seen, settings["head"]
    conventions = settings["conventions"]
    signing: dict[str, Any] = {}
    seen["signing"] = signing
    dialog = page.get_by_role("dialog", name="Signature électronique")
    with journey.step("Signer en groupe : la liste"):
        page.goto(settings["base_url"] + "/signer-en-groupe")
        signing["listed"] = [page.locator(f"#convention-{convention_id}").count() == 1 for convention_id in conventions]
        page.locator("label[for='tout-selectionner']").click()  # the DSFR's label covers its box
        boxes = [page.locator(f"#selection-{convention_id}") for convention_id in conventions]
        signing["ticked"] = [box.is_checked() for box in boxes]
        check(journey, page, "Signer en groupe")
    with journey.step("Signer en groupe : téléphone et code"):
        page.get_by_role("button", name="Signer en groupe").click()
        shown(page, dialog)
        dialog.get_by_label("Numéro de téléphone portable").fill(head["phone"])
        before = len([text for text in texts_to(Path(settings["state_dir"]), head["phone_e164"]) if "code" in text])
        dialog.get_by_role("button", name="Recevoir le code").click()
        code_input = dialog.get_by_label("Code reçu par SMS")
        expect(code_input).to_be_visible()
        signing["code_sent"] = dialog.locator("[data-code-sent]").inner_text().strip()
        check(journey, page, "Signature : code reçu par SMS")
        code_input.fill(wait_for_code(Path(settings["state_dir"]), head["phone_e164"], before + 1))
        dialog.get_by_role("button", name="Continuer").click()
        expect(page.get_by_role("img", name="Votre signature")).to_be_visible()
    with journey.step("Signer en groupe : signature dessinée"):
        draw_signature(page)
        check(journey, page, "Signature : dessin")
        dialog.get_by_role("button", name="Signer", exact=True).click()
        result = page.locator("#signature-resultat")
        expect(result).to_contain_text("signées")
        expect(dialog).to_be_hidden()
        signing["result"] = result.inner_text().strip()
        signing["pdfs"] = {
            str(convention_id): pdf_answer(
                page,
                page.locator(f"#convention-{convention_id}")
                .get_by_role("link", name=re.compile("Télécharger"))
                .get_attribute("href")
                or "",
            )
            for convention_id in conventions
        }


def downloaded_rows(fmt: str, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """A downloaded export's rows by column title (dates written ISO), and the Excel file's
    columns whose cells are dates (none for a CSV: all its cells are texts)."""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as lines:
            return list(csv.DictReader(lines, delimiter=";")), []
    # Playwright keeps a download under a name without extension, which openpyxl refuses as a path.
    with path.open("rb") as workbook:
        header, *lines = load_workbook(workbook).active.iter_rows(values_only=True)
    cells = [dict(zip(header, line, strict=True)) for line in lines]
    dated = sorted({title for row in cells for title, value in row.items() if isinstance(value, datetime)})
    as_json = [
        {title: value.date().isoformat() if isinstance(value, datetime) else value for title, value in row.items()}
        for row in cells
    ]
    return as_json, dated


def export_applications(journey: Journey, settings: dict[str, Any]) -> None:
    page, exports = journey.page, journey.seen.setdefault("exports", {})
    with journey.step("Classes et élèves : exporter les candidatures"):
        page.goto(settings["base_url"] + "/etablissement/eleves")
        check(journey, page, "Classes et élèves")
        for label, fmt in (("Exporter (Excel)", "xlsx"), ("Exporter (CSV)", "csv")):
            with page.expect_download() as started:
                page.get_by_role("link", name=re.compile("^" + re.escape(label))).click()
            download = started.value
            rows, dated = downloaded_rows(fmt, Path(download.path()))
            exports[fmt] = {"filename": download.suggested_filename, "rows": rows, "date_columns": dated}


def run(journey: Journey, settings: dict[str, Any]) -> None:
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    log_in(journey, settings)
    choose_weeks(journey, settings)
    journey.seen["school_parts"] = []
    for number, convention_id in enumerate(settings["conventions"]):
        with journey.step(f"Partie de l'établissement ({number + 1})"):
            journey.seen["school_parts"].append(fill_school_part(journey, settings, convention_id, first=number == 0))
    sign_in_a_group(journey, settings)
    export_applications(journey, settings)
