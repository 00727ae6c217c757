"""The whole host tutorial in a browser, as a new host follows it, step by step.

1. « Mon Espace » → « Je suis un offreur » → « Créer un compte » → the emailed link logs in.
2. « + Publier une offre »: the four steps of the stepper, with the KEYBOARD ALONE (Tab,
   typing, Space, Enter, arrows): the live counters, the address suggestions, the weeks
   highlighted by the schools within 60 km (and not the one at 61 km), the minors' rule for
   the hours said live; « Précédent » and a reload keep what was typed.
3. The preview « telle que la verront les élèves »: « Dupliquer », « Supprimer » the copy in
   the confirmation modal, « Publier » the original; « Mon espace » says « publiée ».
4. Two pupils apply (JSON API); « Candidatures »: « nouvelle », opened « lue », « Accepter »;
   each pupil confirms (JSON API): two conventions.
5. « Mes conventions de stage »: the host's part of each, « Enregistrer », « Valider ma
   partie »; the head of school's part (JSON API); « Tout sélectionner », « Signer en groupe »
   with the keyboard (phone, code read from the SMS outbox, focus kept in the dialog, Escape),
   the signature drawn with the mouse; each row's PDF.
6. « Tous mes espaces »: « Inviter des membres d'équipe »; the colleague, in a browser of
   their own, opens the emailed link, logs in, « Rejoindre l'équipe »; the host stops the
   colleague's notifications (the last recipient's toggle is then disabled, with why).
7. « Ressources utiles »: the flyer and the poster (PDF), « FAQ offreurs » and « FAQ stages »
   (an accordion opened with the keyboard), « Documentation API ».

Settings (the test makes the accounts and the schools): ``base_url``, ``state_dir``,
``host`` (first_name, last_name, email, password, phone, phone_e164), ``colleague`` (email,
password, first_name, last_name: signed up and confirmed), ``place`` (query, label, street),
``siret``, ``structure_name``, ``weeks`` (near: chosen by a school within 60 km; far: only by
a school 61 km away), ``near_school`` (name, city), ``pupils`` ([{name, token}] of the near
school, troisième), ``manager_token`` (its head of school), ``school_part`` (the school's
part of a convention, without the legal representative's address). What the pages showed
goes to ``journey.seen``; every page is checked (axe-core, 375 px).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import (
    DESKTOP,
    STEP_TIMEOUT_MS,
    Journey,
    focus_is_inside,
    focused_description,
    is_focused,
    keyboard_activate,
    keyboard_choose,
    keyboard_time,
    keyboard_type,
    missing_icons,
    read_link_from_mail,
    tab_to,
)
from tests.support.browser_signing import draw_signature
from tests.support.sms import texts_to, wait_for_code

TITLE = "Découverte des métiers de la boulangerie"
DESCRIPTION = (
    "Pendant une semaine, l'élève découvre le fournil et la boutique : le pétrissage, le façonnage "
    "et la cuisson du pain, puis l'accueil des clients et la vente. Il échange avec les boulangers, "
    "le pâtissier et la vendeuse sur leurs métiers et leurs formations."
)
# The tutorial's screenshot reads « 263/1000 caractères »: a text of exactly that length.
CONDITIONS = (
    "Un fournil lumineux de 80 m², ouvert sur la boutique : le four et le pétrin sont bruyants le matin, "
    "la boutique est calme l'après-midi. L'élève porte une tenue fournie (blouse, charlotte) et reste avec "
    "un membre de l'équipe, loin du four et des machines à pétrir."
)
ACCESSIBILITY = (
    "Fournil et boutique de plain-pied, sans marche ; une rampe mène à l'entrée. "
    "Les consignes sont données à l'oral et affichées."
)
LUNCH_BREAK = "De 12 h à 13 h : repas tiré du sac dans la salle de pause."
SEATS = "2"
SECTOR_TYPED, SECTOR = "Comme", "Commerce et distribution"
WORK_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
DAY_HOURS = ("09:00", "12:00", "13:00", "16:00")  # 6 h a day, 30 h a week
# A day's four time fields come in this order: arrival, lunch start, lunch end, departure.
LUNCH_END, DEPARTURE = 2, 3
# 9 h to 17 h 30 with an hour for lunch: 7 h 30 a day, over the minors' 7 h; then fixed.
UNLAWFUL_DEPARTURE, LAWFUL_DEPARTURE = "17:30", "1600"
MOTIVATIONS = (
    "J'aime cuisiner avec ma grand-mère et je voudrais savoir comment on fait le pain tous les jours.",
    "Je veux devenir pâtissier : j'aimerais voir le travail du fournil et parler avec les apprentis.",
)
TUTOR = {
    "Nom du tuteur ou de la tutrice": "Camille Bernard",
    "Fonction": "Cheffe boulangère",
    "Adresse électronique": "camille.bernard@example.fr",
    "Téléphone": "06 11 22 33 44",
}
ACTIVITIES = "Observer le pétrissage, la cuisson et la vente ; échanger avec l'équipe sur ses métiers."
CONVENTION_LUNCH = "De 12 h à 13 h, dans la salle de pause."
# Counts the trusted mouse presses of the tab (sessionStorage lasts across its pages): the
# keyboard-only pass reads it, to prove that no mouse was used.
POINTER_COUNTER = """
addEventListener("pointerdown", event => {
  if (!event.isTrusted) return;
  sessionStorage.setItem("e1s-pointer", String(Number(sessionStorage.getItem("e1s-pointer") || 0) + 1));
}, true);
"""


# -- small things a person does ----------------------------------------------------------------


def flash(page: Page) -> str:
    """The message shown once at the top of the page ("" when none)."""
    message = page.locator("main .fr-alert[role=status]")
    return message.first.inner_text().strip() if message.count() else ""


def navigation(page: Page, name: str) -> Locator:
    """A link of the host's main menu."""
    return page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name, exact=True)


def from_the_top(page: Page) -> None:
    """As a keyboard user arrives on a page: nothing focused, at the top."""
    page.locator("body").evaluate("body => { document.activeElement?.blur(); window.scrollTo(0, 0); }")


def pointer_presses(page: Page) -> int:
    return int(page.evaluate("() => Number(sessionStorage.getItem('e1s-pointer') || 0)"))


def api(settings: dict[str, Any], method: str, path: str, token: str, body: Any = None) -> Any:
    """A call of the JSON API as the owner of ``token`` (a pupil, a head of school, the host)."""
    answer = requests.request(
        method,
        settings["base_url"] + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    if answer.status_code >= 400:
        raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
    return answer.json() if answer.content else None


def pdf_answer(page: Page, href: str) -> dict[str, Any]:
    """What the link answers, fetched with the browser's cookies (as the download would be)."""
    answer = page.request.get(urljoin(page.url, href))
    return {
        "href": href,
        "status": answer.status,
        "content_type": answer.headers.get("content-type", ""),
        "starts_with_pdf": answer.body()[:5] == b"%PDF-",
    }


def badge_text(badge: Locator) -> str:
    """A DSFR badge's words as written (the DSFR shows them in capitals)."""
    return " ".join((badge.text_content() or "").split())


def lunch_field(page: Page) -> Locator:
    """« Pause déjeuner » (its hint is part of its name; the time fields' labels say it too)."""
    return page.get_by_role("textbox", name=re.compile(r"^Pause déjeuner"))


def check(journey: Journey, page: Page, name: str) -> None:
    """axe-core and 375 px (``Journey.check_page``), and the DSFR icons the page names but
    does not draw (``seen["missing_icons"]``)."""
    journey.check_page(page, name)
    missing = missing_icons(page)
    if missing:
        journey.seen.setdefault("missing_icons", {})[name] = missing


def shown(page: Page, dialog: Locator) -> None:
    """Wait until the DSFR modal has faded in: axe-core measures contrasts on what is drawn."""
    expect(dialog).to_be_visible()
    page.wait_for_function("dialog => getComputedStyle(dialog).opacity === '1'", arg=dialog.element_handle())


def counter(page: Page, field_id: str) -> str:
    return page.locator(f"#{field_id}-counter").inner_text().strip()


# -- 1. the account ------------------------------------------------------------------------------


def sign_up(journey: Journey, settings: dict[str, Any]) -> None:
    page, host = journey.page, settings["host"]
    with journey.step("Mon Espace, je suis un offreur"):
        page.goto(settings["base_url"] + "/")
        check(journey, page, "Accueil")
        page.get_by_role("link", name="Mon Espace", exact=True).click()
        expect(page.get_by_role("link", name="Je suis un offreur")).to_be_visible()
        check(journey, page, "Mon Espace")
        page.get_by_role("link", name="Je suis un offreur").click()
        expect(page.get_by_role("button", name="Connexion", exact=True)).to_be_visible()
        check(journey, page, "Connexion offreur")

    with journey.step("Créer un compte"):
        page.get_by_role("link", name="Créer un compte").click()
        page.get_by_label("Prénom", exact=True).fill(host["first_name"])
        page.get_by_label("Nom", exact=True).fill(host["last_name"])
        page.get_by_label("Adresse électronique").fill(host["email"])
        page.get_by_label("Mot de passe", exact=True).fill(host["password"])
        check(journey, page, "Créer un compte")
        page.get_by_role("button", name="Créer mon compte").click()
        expect(page.get_by_role("heading", level=1, name="Un mail vous a été envoyé")).to_be_visible()
        check(journey, page, "Un mail vous a été envoyé")

    with journey.step("Lien de confirmation"):
        page.goto(read_link_from_mail(settings["state_dir"], host["email"], "/confirmer-mon-email"))
        expect(page.get_by_role("heading", level=1, name="Mon espace")).to_be_visible()
        journey.seen["landing"] = {"url": page.url, "flash": flash(page)}
        check(journey, page, "Mon espace, sans offre")


# -- 2. the offer, with the keyboard alone ---------------------------------------------------------


def step_heading(page: Page) -> str:
    return " ".join(page.locator(".fr-stepper__title").first.inner_text().split())


def next_step(page: Page, slug: str, presses: dict[str, int], backwards: bool = False) -> None:
    """« Suivant » with the keyboard, then the step at ``slug`` (or the preview). From the top
    of a long step, Shift+Tab reaches it sooner (through the footer)."""
    button = page.get_by_role("button", name="Suivant", exact=True)
    presses["Suivant"] = presses.get("Suivant", 0) + tab_to(page, button, backwards=backwards)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(slug))
    page.wait_for_load_state("load")


def day_field(page: Page, day: str, number: int) -> Locator:
    """The ``number``-th time field of the day's group (« Lundi »…), as the page orders them."""
    return page.get_by_role("group", name=day.capitalize(), exact=True).locator("input[type=time]").nth(number)


def day_labels(page: Page, day: str) -> list[str]:
    """The accessible names of the day's time fields (what a screen reader says)."""
    return [
        " ".join(day_field(page, day, number).evaluate("input => input.labels[0].textContent").split())
        for number in range(4)
    ]


def type_hours(page: Page, day: str, times: tuple[str, ...], presses: dict[str, int]) -> None:
    for number, typed in enumerate(times):
        presses[f"{day} {number + 1}"] = keyboard_time(page, day_field(page, day, number), typed)


def weeks_seen(page: Page, weeks: dict[str, str]) -> dict[str, Any]:
    """How the near and the far weeks are shown: highlighted or not, and their count."""
    seen = {}
    for which, week in weeks.items():
        box = page.locator(f'input[name="college_weeks"][value="{week}"]')
        group = box.locator("xpath=..")
        badge = group.locator(".fr-badge")
        seen[which] = {
            "week": week,
            "label": " ".join(group.locator("label").inner_text().split()),
            "highlighted": "e1s-week--highlighted" in (group.get_attribute("class") or ""),
            "count": badge_text(badge) if badge.count() else None,
            "background": group.evaluate("element => getComputedStyle(element).backgroundColor"),
        }
    seen["highlighted_weeks"] = page.locator(".e1s-week--highlighted input").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )
    seen["notice"] = page.locator("#bloc-semaines .fr-notice__title").inner_text().strip()
    return seen


def step_three_values(page: Page, week: str) -> dict[str, Any]:
    """What step 3 shows now (after « Précédent », after a reload)."""
    return {
        "college": page.get_by_label("Collégiens (4ème et 3ème)").is_checked(),
        "specific_weeks": page.get_by_label("Une ou plusieurs semaines spécifiques").is_checked(),
        "week": page.locator(f'input[name="college_weeks"][value="{week}"]').is_checked(),
        "hours": {day: [day_field(page, day, number).input_value() for number in range(4)] for day in WORK_DAYS},
        "lunch_break": lunch_field(page).input_value(),
        "seats": page.get_by_label("Nombre d'élèves").input_value(),
    }


def write_offer(journey: Journey, settings: dict[str, Any]) -> int:
    """The four steps with the keyboard alone; the id of the offer they make."""
    page, seen = journey.page, journey.seen
    presses: dict[str, int] = {}
    seen["keyboard_presses"] = presses
    place = settings["place"]
    seen["typed"] = {"title": TITLE, "description": DESCRIPTION, "lunch_break": LUNCH_BREAK}

    with journey.step("Publier une offre (clavier)"):
        page.evaluate("() => sessionStorage.setItem('e1s-pointer', '0')")
        from_the_top(page)
        publish = page.get_by_role("button", name="Publier une offre").first
        presses["+ Publier une offre"] = keyboard_activate(page, publish)
        page.wait_for_url(re.compile(r"/brouillons/\d+/offre$"))
        page.wait_for_load_state("load")
        seen["stepper_1"] = step_heading(page)
        check(journey, page, "Étape Offre")

    with journey.step("Étape Offre (clavier)"):
        presses["Titre de l'offre"] = keyboard_type(page, page.get_by_label("Titre de l'offre"), TITLE)
        # The counter, read while typing (it follows once typing pauses) and at the end.
        half = DESCRIPTION[:40]
        presses["Description"] = keyboard_type(page, page.get_by_label("Description", exact=False).first, half)
        expect(page.locator("#f-description-counter")).to_have_text(f"{len(half)}/1500 caractères")
        seen["description_counter_while_typing"] = counter(page, "f-description")
        page.keyboard.type(DESCRIPTION[40:])
        expect(page.locator("#f-description-counter")).to_have_text(f"{len(DESCRIPTION)}/1500 caractères")
        seen["description_counter"] = counter(page, "f-description")
        sector = page.get_by_label("Secteur d'activité")
        presses["Secteur d'activité"] = tab_to(page, sector)
        page.keyboard.type(SECTOR_TYPED)  # a closed select chooses the option its typed letters start
        seen["sector"] = sector.evaluate("select => select.selectedOptions[0]?.textContent.trim()")

        search = page.get_by_label("Rechercher l'adresse du lieu de stage")
        presses["Rechercher l'adresse"] = keyboard_type(page, search, place["query"])
        listbox = page.get_by_role("listbox", name="Adresses proposées")
        wanted = listbox.get_by_role("option", name=place["label"], exact=True)
        expect(wanted).to_be_visible()
        seen["suggestions"] = listbox.get_by_role("option").all_inner_texts()
        for _ in range(len(seen["suggestions"])):
            page.keyboard.press("ArrowDown")
            if wanted.get_attribute("aria-selected") == "true":
                break
        seen["combobox_active"] = search.get_attribute("aria-activedescendant") == wanted.get_attribute("id")
        page.keyboard.press("Enter")
        expect(page.get_by_label("Code postal")).to_have_value(place["zipcode"])
        seen["address_chosen"] = {
            "zipcode": page.get_by_label("Code postal").input_value(),
            "city": page.get_by_label("Commune").input_value(),
            "latitude": page.locator("[data-address-latitude]").input_value(),
            "status": page.locator("#f-place-search-status").inner_text().strip(),
            "focused": focused_description(page),
        }
        street = page.get_by_label("Numéro et voie")
        if not is_focused(street):
            presses["Numéro et voie"] = tab_to(page, street)
        page.keyboard.type(place["street"])
        seen["address_typed"] = {
            "street": street.input_value(),
            "latitude_after_street": page.locator("[data-address-latitude]").input_value(),
        }
        journey.screenshot(page, "Étape Offre remplie")
        next_step(page, r"/structure$", presses)
        seen["stepper_2"] = step_heading(page)

    with journey.step("Étape Structure (clavier)"):
        check(journey, page, "Étape Structure")
        presses["SIRET"] = keyboard_type(page, page.get_by_label("SIRET"), settings["siret"])
        status = page.locator("#f-employer-siret-status")
        expect(status).not_to_be_empty()
        seen["siret_status"] = status.inner_text().strip()
        presses["Nom de la structure"] = keyboard_type(
            page, page.get_by_label("Nom de la structure"), settings["structure_name"]
        )
        presses["Secteur privé"] = keyboard_choose(page, page.get_by_label("Secteur privé"))
        seen["private_sector_checked"] = page.get_by_label("Secteur privé").is_checked()
        conditions = page.get_by_label("Décrivez l'environnement de travail", exact=False)
        presses["Environnement de travail"] = keyboard_type(page, conditions, CONDITIONS)
        expect(page.locator("#f-workspace-conditions-counter")).to_have_text(f"{len(CONDITIONS)}/1000 caractères")
        accessibility = page.get_by_label("Parlez-nous de l'accessibilité du poste", exact=False)
        presses["Accessibilité du poste"] = keyboard_type(page, accessibility, ACCESSIBILITY)
        expect(page.locator("#f-workspace-accessibility-counter")).to_have_text(f"{len(ACCESSIBILITY)}/1000 caractères")
        seen["structure_counters"] = {
            "workspace_conditions": counter(page, "f-workspace-conditions"),
            "workspace_accessibility": counter(page, "f-workspace-accessibility"),
        }
        journey.screenshot(page, "Étape Structure remplie")
        next_step(page, r"/eleves-et-dates$", presses)
        seen["stepper_3"] = step_heading(page)

    with journey.step("Étape Élèves et dates (clavier)"):
        college = page.get_by_label("Collégiens (4ème et 3ème)")
        presses["Collégiens"] = tab_to(page, college)
        page.keyboard.press("Space")
        expect(college).to_be_checked()
        specific = page.get_by_label("Une ou plusieurs semaines spécifiques")
        presses["Une ou plusieurs semaines spécifiques"] = keyboard_choose(page, specific)
        expect(specific).to_be_checked()
        expect(page.locator("#bloc-semaines")).to_be_visible()
        seen["weeks"] = weeks_seen(page, settings["weeks"])
        check(journey, page, "Étape Élèves et dates")
        week = page.locator(f'input[name="college_weeks"][value="{settings["weeks"]["near"]}"]')
        presses["Semaine choisie"] = tab_to(page, week)
        page.keyboard.press("Space")
        expect(week).to_be_checked()

        # Monday first with a departure too late: the minors' rule is said at once; then fixed.
        verdict = page.locator("#f-daily-hours-check")
        seen["monday_labels"] = day_labels(page, "lundi")
        type_hours(page, "lundi", (*DAY_HOURS[:3], UNLAWFUL_DEPARTURE), presses)
        expect(verdict.locator(".fr-message--error").first).to_be_visible()
        seen["unlawful_day"] = {
            "messages": verdict.locator(".fr-message").all_inner_texts(),
            "departure": day_field(page, "lundi", DEPARTURE).input_value(),
        }
        # Back to the field before, then forward: the focus lands on the departure's hours.
        departure = day_field(page, "lundi", DEPARTURE)
        presses["Fin de la pause (retour)"] = tab_to(page, day_field(page, "lundi", LUNCH_END), backwards=True)
        presses["Heure de départ (correction)"] = tab_to(page, departure)
        seen["unlawful_day"]["fixing_focus_on_departure"] = is_focused(departure)
        page.keyboard.type(LAWFUL_DEPARTURE)
        expect(departure).to_have_value(DAY_HOURS[3])
        expect(verdict.locator(".fr-message--error")).to_have_count(0)
        seen["lawful_day"] = verdict.locator(".fr-message").all_inner_texts()
        for day in WORK_DAYS[1:]:
            type_hours(page, day, DAY_HOURS, presses)
        expect(verdict.locator(".fr-message--valid")).to_contain_text("30 h")
        seen["lawful_week"] = verdict.locator(".fr-message").all_inner_texts()
        presses["Pause déjeuner"] = keyboard_type(page, lunch_field(page), LUNCH_BREAK)
        expect(page.locator("#f-lunch-break-counter")).to_have_text(f"{len(LUNCH_BREAK)}/250 caractères")
        seen["lunch_break_counter"] = counter(page, "f-lunch-break")
        presses["Nombre d'élèves"] = keyboard_type(page, page.get_by_label("Nombre d'élèves"), SEATS)
        seen["step_3_typed"] = step_three_values(page, settings["weeks"]["near"])
        journey.screenshot(page, "Étape Élèves et dates remplie")
        next_step(page, r"/egalite-des-chances$", presses)
        seen["stepper_4"] = step_heading(page)

    with journey.step("Étape Égalité des chances (clavier)"):
        check(journey, page, "Étape Égalité des chances")
        boxes = page.locator('form.e1s-offer-form input[type="checkbox"]')
        seen["equal_opportunity_ticked"] = [box.get_attribute("name") for box in boxes.all() if box.is_checked()]
        presses["Précédent"] = keyboard_activate(page, page.get_by_role("button", name="Précédent", exact=True))
        page.wait_for_url(re.compile(r"/eleves-et-dates$"))
        page.wait_for_load_state("load")
        seen["after_previous"] = step_three_values(page, settings["weeks"]["near"])
        page.reload()
        page.wait_for_load_state("load")
        seen["after_reload"] = step_three_values(page, settings["weeks"]["near"])
        journey.screenshot(page, "Élèves et dates après Précédent et rechargement")
        from_the_top(page)
        next_step(page, r"/egalite-des-chances$", presses, backwards=True)
        from_the_top(page)
        next_step(page, r"/mon-espace/offres/\d+$", presses)
        seen["keyboard_pass"] = {"pointer_presses": pointer_presses(page), "tab_presses": sum(presses.values())}
    return int(page.url.rsplit("/", 1)[1])


# -- 3. the preview, the copy, publishing -------------------------------------------------------------


def preview_actions(page: Page) -> dict[str, Any]:
    """The icon buttons of the preview: their accessible names and where they are."""
    heading = page.get_by_role("heading", level=1).bounding_box()
    width = (page.viewport_size or DESKTOP)["width"]
    found = {}
    for name in ("Modifier", "Supprimer", "Dupliquer", "Publier"):
        button = page.locator("main").get_by_role("button", name=name, exact=True)
        box = button.bounding_box() if button.count() == 1 else None
        found[name] = {
            "count": button.count(),
            "title": button.first.get_attribute("title") if button.count() else None,
            "icon_only": bool(box) and box["width"] < 60 and name != "Publier",
            "right_half": bool(box) and box["x"] > width / 2,
            "above_title": bool(box and heading) and box["y"] < heading["y"],
        }
    return found


def preview_and_publish(journey: Journey, offer_id: int) -> None:
    page, seen = journey.page, journey.seen
    with journey.step("Aperçu de l'offre"):
        expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
        seen["preview"] = {
            "url": page.url,
            "flash": flash(page),
            "says": page.get_by_text(re.compile(r"^Aperçu .*telle que la verront les élèves")).inner_text(),
            "actions": preview_actions(page),
            "text": page.locator("main article").inner_text(),
        }
        check(journey, page, "Aperçu de l'offre")

    with journey.step("Dupliquer"):
        page.locator("main").get_by_role("button", name="Dupliquer", exact=True).click()
        page.wait_for_url(re.compile(r"/mon-espace/offres/\d+$"))
        copy_id = int(page.url.rsplit("/", 1)[1])
        seen["copy"] = {"id": copy_id, "flash": flash(page), "title": page.get_by_role("heading", level=1).inner_text()}
        assert copy_id != offer_id, "« Dupliquer » stayed on the original"
        check(journey, page, "Aperçu de la copie")

    with journey.step("Supprimer la copie"):
        page.locator("main").get_by_role("button", name="Supprimer", exact=True).first.click()
        dialog = page.get_by_role("dialog", name="Confirmer la suppression")
        shown(page, dialog)
        seen["delete_modal"] = dialog.inner_text()
        check(journey, page, "Confirmer la suppression")
        dialog.get_by_role("button", name="Supprimer", exact=True).click()
        page.wait_for_url(re.compile(r"/mon-espace/offres$"))
        seen["copy_deleted"] = {"flash": flash(page), "url": page.url}

    with journey.step("Publier l'original"):
        page.get_by_role("link", name=TITLE, exact=True).click()
        page.wait_for_url(re.compile(rf"/mon-espace/offres/{offer_id}$"))
        page.locator("main").get_by_role("button", name="Publier", exact=True).click()
        expect(page.locator("main .fr-alert[role=status]")).to_be_visible()
        seen["published"] = {"flash": flash(page), "url": page.url}

    with journey.step("Mon espace : offre publiée"):
        page.get_by_role("link", name="Mon Espace", exact=True).click()
        page.wait_for_url(re.compile(r"/mon-espace/offres$"))
        article = page.locator("article.e1s-offer").filter(has_text=TITLE)
        seen["my_space"] = {
            "offers": page.locator("article.e1s-offer").count(),
            "badge": badge_text(article.locator(".fr-badge").first),
            "text": " ".join(article.inner_text().split()),
        }
        check(journey, page, "Mon espace, offre publiée")


# -- 4. the applications ------------------------------------------------------------------------------


def answer_applications(journey: Journey, settings: dict[str, Any], offer_id: int) -> list[int]:
    """Each pupil applies (API), the host accepts in the browser, the pupil confirms (API);
    the conventions made."""
    page, seen = journey.page, journey.seen
    week = settings["weeks"]["near"]
    seen["applications"] = []
    conventions = []
    for number, (pupil, motivation) in enumerate(zip(settings["pupils"], MOTIVATIONS, strict=False), start=1):
        body = {"weeks": [week], "motivation": motivation, "phone": "06 12 34 56 7" + str(number)}
        application = api(settings, "POST", f"/api/v1/offers/{offer_id}/applications", pupil["token"], body)
        record: dict[str, Any] = {"pupil": pupil["name"], "id": application["id"]}
        seen["applications"].append(record)

        with journey.step(f"Candidatures ({number})"):
            navigation(page, "Candidatures").click()
            page.wait_for_url(re.compile(r"/mon-espace/candidatures$"))
            row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=pupil["name"], exact=True))
            expect(row).to_have_count(1)
            record["listed_as"] = badge_text(row.locator(".fr-badge"))
            record["row"] = " ".join(row.inner_text().split())
            if number == 1:
                check(journey, page, "Candidatures")

        with journey.step(f"Candidature de {pupil['name']}"):
            row.get_by_role("link", name=pupil["name"], exact=True).click()
            page.wait_for_url(re.compile(rf"/mon-espace/candidatures/{application['id']}$"))
            record["opened_as"] = badge_text(page.locator("main .fr-badge").first)
            record["motivation"] = page.locator("main .e1s-pre").first.inner_text().strip()
            facts = page.locator("dl.e1s-facts")
            record["school"] = facts.locator("dt:text-is('Établissement') + dd").inner_text().strip()
            record["grade"] = facts.locator("dt:text-is('Classe') + dd").inner_text().strip()
            if number == 1:
                check(journey, page, "Une candidature")
            page.get_by_role("button", name="Accepter", exact=True).click()
            expect(page.locator("main .fr-alert[role=status]")).to_be_visible()
            record["accepted_flash"] = flash(page)
            record["accepted_as"] = badge_text(page.locator("main .fr-badge").first)

        with journey.step(f"Confirmation de {pupil['name']} (API)"):
            approved = api(settings, "POST", f"/api/v1/applications/{application['id']}/approve", pupil["token"])
            record["convention_id"] = approved["convention_id"]
            conventions.append(approved["convention_id"])
    return conventions


# -- 5. the conventions and the signing ----------------------------------------------------------------


def fill_host_part(journey: Journey, settings: dict[str, Any], convention_id: int, first: bool) -> dict[str, Any]:
    page = journey.page
    record: dict[str, Any] = {"id": convention_id}
    navigation(page, "Mes conventions de stage").click()
    page.wait_for_url(re.compile(r"/mon-espace/conventions$"))
    row = page.locator(f"#convention-{convention_id}")
    record["listed_as"] = badge_text(row.locator(".fr-badge"))
    if first:
        check(journey, page, "Mes conventions de stage, à remplir")
    row.get_by_role("link", name="Remplir ma partie").click()
    page.wait_for_url(re.compile(rf"/mon-espace/conventions/{convention_id}$"))
    record["prefilled_hours"] = page.locator("input[type=time]").evaluate_all("inputs => inputs.map(i => i.value)")
    for label, value in TUTOR.items():
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Activités prévues").fill(ACTIVITIES)
    for day in WORK_DAYS:
        group = page.get_by_role("group", name=day.capitalize(), exact=True)
        for part, value in zip(
            ("Arrivée", "Début du déjeuner", "Fin du déjeuner", "Départ"),
            ("09:00", "12:00", "13:00", "16:00"),
            strict=True,
        ):
            group.get_by_label(part, exact=True).fill(value)
    lunch_field(page).fill(CONVENTION_LUNCH)
    if first:
        check(journey, page, "Convention : partie de l'organisme")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("main .fr-alert[role=status]")).to_be_visible()
    record["saved_flash"] = flash(page)
    record["kept_after_saving"] = page.get_by_label("Activités prévues").input_value()
    page.get_by_role("button", name="Valider ma partie", exact=True).click()
    expect(page.locator("main .fr-alert[role=status]")).to_be_visible()
    record["validated_flash"] = flash(page)
    record["state"] = badge_text(page.locator("main .fr-badge").first)
    return record


def sign_conventions(journey: Journey, settings: dict[str, Any], conventions: list[int]) -> None:
    page, seen = journey.page, journey.seen
    host = settings["host"]
    seen["host_parts"] = []
    for number, convention_id in enumerate(conventions):
        with journey.step(f"Partie de l'organisme ({number + 1})"):
            seen["host_parts"].append(fill_host_part(journey, settings, convention_id, first=number == 0))
        with journey.step(f"Partie de l'établissement ({number + 1}, API)"):
            school_part = {
                **settings["school_part"],
                "legal_representative_email": f"rl-{uuid.uuid4().hex[:8]}@example.fr",
            }
            path = f"/api/v1/conventions/{convention_id}"
            api(settings, "PATCH", path, settings["manager_token"], school_part)
            validated = api(settings, "POST", f"{path}/validate", settings["manager_token"])
            assert validated["status"] == "ready_to_sign", validated

    with journey.step("Mes conventions de stage, prêtes à signer"):
        navigation(page, "Mes conventions de stage").click()
        page.wait_for_url(re.compile(r"/mon-espace/conventions$"))
        seen["ready"] = {
            str(convention_id): badge_text(page.locator(f"#convention-{convention_id} .fr-badge"))
            for convention_id in conventions
        }
        # Whether the table fits the page 1280 px wide, or scrolls inside its frame.
        seen["conventions_table_1280"] = page.locator("#tableau-conventions .fr-table__container").evaluate(
            "frame => ({scroll_width: frame.scrollWidth, client_width: frame.clientWidth})"
        )
        check(journey, page, "Mes conventions de stage, prêtes")

    signing: dict[str, Any] = {}
    seen["signing"] = signing
    dialog = page.get_by_role("dialog", name="Signature électronique")
    opener = page.get_by_role("button", name="Signer en groupe")
    with journey.step("Signer en groupe : ouvrir et fermer au clavier"):
        page.evaluate("() => sessionStorage.setItem('e1s-pointer', '0')")
        from_the_top(page)
        signing["select_all_presses"] = tab_to(page, page.get_by_label("Tout sélectionner"))
        page.keyboard.press("Space")
        boxes = [page.locator(f"#selection-{convention_id}") for convention_id in conventions]
        signing["select_all_ticked"] = [box.is_checked() for box in boxes]
        # Whatever « Tout sélectionner » did, each row can be ticked on its own (and the rest
        # of the journey still signs both).
        for box in boxes:
            if not box.is_checked():
                from_the_top(page)
                tab_to(page, box)
                page.keyboard.press("Space")
        signing["ticked"] = [box.is_checked() for box in boxes]
        signing["open_presses"] = tab_to(page, opener)
        page.keyboard.press("Enter")
        shown(page, dialog)
        phone = dialog.get_by_label("Numéro de téléphone portable")
        expect(phone).to_be_focused()
        signing["phone_step_text"] = dialog.locator('form[data-step="phone"] p').first.inner_text().strip()
        check(journey, page, "Signature : téléphone")
        # Tab and Shift+Tab go round inside the dialog, never behind it.
        trapped = []
        for key in ["Tab"] * 12 + ["Shift+Tab"] * 6:
            page.keyboard.press(key)
            trapped.append(focus_is_inside(page, dialog))
        signing["focus_trapped"] = all(trapped)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(opener).to_be_focused()
        signing["focus_back_on_opener"] = is_focused(opener)

    with journey.step("Signer en groupe : téléphone et code au clavier"):
        page.keyboard.press("Enter")
        shown(page, dialog)
        expect(phone).to_be_focused()
        page.keyboard.press("Control+A")
        page.keyboard.type(host["phone"])
        before = len([text for text in texts_to(Path(settings["state_dir"]), host["phone_e164"]) if "code" in text])
        signing["ask_presses"] = keyboard_activate(page, dialog.get_by_role("button", name="Recevoir le code"))
        code_input = dialog.get_by_label("Code reçu par SMS")
        expect(code_input).to_be_visible()
        expect(code_input).to_be_focused()
        signing["code_sent"] = dialog.locator("[data-code-sent]").inner_text().strip()
        signing["code_input"] = {
            "inputmode": code_input.get_attribute("inputmode"),
            "autocomplete": code_input.get_attribute("autocomplete"),
        }
        check(journey, page, "Signature : code reçu par SMS")
        code = wait_for_code(Path(settings["state_dir"]), host["phone_e164"], before + 1)
        page.keyboard.type(code)
        signing["continue_presses"] = keyboard_activate(page, dialog.get_by_role("button", name="Continuer"))
        expect(page.get_by_role("img", name="Votre signature")).to_be_visible()

    with journey.step("Signer en groupe : signature dessinée"):
        signing["canvas"] = draw_signature(page)
        check(journey, page, "Signature : dessin")
        signing["sign_presses"] = keyboard_activate(page, dialog.get_by_role("button", name="Signer", exact=True))
        result = page.locator("#signature-resultat")
        expect(result).to_contain_text("signées")
        expect(dialog).to_be_hidden()
        signing["result"] = result.inner_text().strip()
        signing["pointer_presses"] = pointer_presses(page)  # the drawing only
        signing["rows_after"] = {
            str(convention_id): " ".join(page.locator(f"#convention-{convention_id}").inner_text().split())
            for convention_id in conventions
        }
        pdfs = {}
        for convention_id in conventions:
            link = page.locator(f"#convention-{convention_id}").get_by_role("link", name=re.compile("Télécharger"))
            pdfs[str(convention_id)] = pdf_answer(page, link.get_attribute("href") or "")
        signing["pdfs"] = pdfs


# -- 6. the team -----------------------------------------------------------------------------------------


def default_space(page: Page) -> Locator:
    return page.locator("section.e1s-space").filter(has_text="Espace par défaut").first


def invite_colleague(journey: Journey, settings: dict[str, Any]) -> None:
    page, seen = journey.page, journey.seen
    colleague, host = settings["colleague"], settings["host"]
    colleague_name = f"{colleague['first_name']} {colleague['last_name']}"
    host_name = f"{host['first_name']} {host['last_name']}"
    team: dict[str, Any] = {}
    seen["team"] = team

    with journey.step("Tous mes espaces"):
        navigation(page, "Tous mes espaces").click()
        page.wait_for_url(re.compile(r"/mon-espace/equipe$"))
        section = page.locator("section#invitations")
        team["invite_heading"] = section.get_by_role("heading", level=2).inner_text().strip()
        team["warning"] = section.locator(".fr-alert--warning").inner_text().strip()
        toggle = default_space(page).get_by_role("checkbox").first
        team["alone_toggle_disabled"] = toggle.is_disabled()
        check(journey, page, "Tous mes espaces")

    with journey.step("Inviter des membres d'équipe"):
        page.get_by_label("Adresse électronique de la personne à inviter").fill(colleague["email"])
        page.get_by_role("button", name="Inviter", exact=True).click()
        expect(page.locator("main .fr-alert[role=status]")).to_be_visible()
        team["invited_flash"] = flash(page)

    link = read_link_from_mail(settings["state_dir"], colleague["email"], "/rejoindre-une-equipe")
    browser = journey.context.browser
    assert browser is not None
    other = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport=DESKTOP)
    other.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        second = journey.watch(other.new_page())
        with journey.step("Le lien d'invitation, chez le collègue", second):
            second.goto(link)
            second.get_by_label("Adresse électronique").fill(colleague["email"])
            second.get_by_label("Mot de passe", exact=True).fill(colleague["password"])
            second.get_by_role("button", name="Connexion", exact=True).click()
            expect(second.get_by_role("heading", level=1, name="Rejoindre une équipe")).to_be_visible()
            team["join_page"] = second.locator("main").inner_text()
            check(journey, second, "Rejoindre une équipe")

        with journey.step("Rejoindre l'équipe", second):
            second.get_by_role("button", name="Rejoindre l'équipe").click()
            second.wait_for_url(re.compile(r"/mon-espace/equipe"))
            team["joined_flash"] = flash(second)
            team["members_seen_by_colleague"] = second.locator("#membres strong").all_inner_texts()
    finally:
        other.close()

    with journey.step("Notifications du collègue"):
        page.reload()
        space = default_space(page)
        row = space.locator("li.e1s-row").filter(has_text=colleague_name)
        toggle = row.get_by_role("checkbox")
        team["colleague_notified_at_first"] = toggle.is_checked()
        team["space_name"] = space.get_by_role("heading", level=3).inner_text().strip()
        check(journey, page, "Tous mes espaces, deux membres")
        toggle.uncheck()  # the page sends the change as soon as it is made
        expect(page.locator("main .fr-alert[role=status]")).to_be_visible()
        team["unticked_flash"] = flash(page)
        space = default_space(page)
        colleague_toggle = space.locator("li.e1s-row").filter(has_text=colleague_name).get_by_role("checkbox")
        host_toggle = space.locator("li.e1s-row").filter(has_text=host_name).get_by_role("checkbox")
        described_by = host_toggle.get_attribute("aria-describedby") or ""
        team["after"] = {
            "colleague_notified": colleague_toggle.is_checked(),
            "host_notified": host_toggle.is_checked(),
            "host_toggle_disabled": host_toggle.is_disabled(),
            "host_toggle_described_by": page.locator(f"#{described_by}").inner_text().strip() if described_by else "",
        }


# -- 7. the resources ---------------------------------------------------------------------------------------


def open_an_accordion(page: Page) -> dict[str, Any]:
    """The first question of the page, opened with the keyboard."""
    from_the_top(page)
    button = page.locator("main .fr-accordion__btn").first
    presses = tab_to(page, button)
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    answer = page.locator(f"#{button.get_attribute('aria-controls')}")
    expect(answer).to_be_visible()
    return {"question": button.inner_text().strip(), "presses": presses, "answer": answer.inner_text()[:200]}


def resources(journey: Journey) -> None:
    page, seen = journey.page, journey.seen
    found: dict[str, Any] = {}
    seen["resources"] = found
    with journey.step("Ressources utiles"):
        navigation(page, "Ressources utiles").click()
        page.wait_for_url(re.compile(r"/ressources$"))
        check(journey, page, "Ressources utiles")
        for name in ("Flyer", "Affiche"):
            link = page.get_by_role("link", name=re.compile(rf"^{name} "))
            found[name] = pdf_answer(page, link.get_attribute("href") or "")

    for name, slug in (("FAQ offreurs", "faq-offreurs"), ("FAQ stages", "faq-stages")):
        with journey.step(name):
            page.get_by_role("link", name=name, exact=True).first.click()
            page.wait_for_url(re.compile(rf"/ressources/{slug}$"))
            expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
            check(journey, page, name)
            found[name] = open_an_accordion(page)

    with journey.step("Documentation API"):
        page.locator("main").get_by_role("link", name="Documentation API", exact=True).click()
        page.wait_for_url(re.compile(r"/ressources/documentation-api$"))
        found["Documentation API"] = page.get_by_role("heading", level=1).inner_text().strip()
        check(journey, page, "Documentation API")


def run(journey: Journey, settings: dict[str, Any]) -> None:
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    journey.context.add_init_script(POINTER_COUNTER)
    sign_up(journey, settings)
    offer_id = write_offer(journey, settings)
    journey.seen["offer_id"] = offer_id
    preview_and_publish(journey, offer_id)
    conventions = answer_applications(journey, settings, offer_id)
    journey.seen["conventions"] = conventions
    sign_conventions(journey, settings, conventions)
    invite_colleague(journey, settings)
    resources(journey)
