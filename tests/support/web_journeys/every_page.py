"""Every page of the gateway, each seen by the people who can see it, checked one by one.

The test (tests/e2e/test_every_page_in_a_browser.py) plans the visits from the gateway's route
table; this journey only makes them. For each planned visit it becomes the right person
(nobody logged in; or logged in through « Connexion » as the host, the head of school, the
pupil or the invited colleague; or the legal representative, who opens the link of their
email), opens the page (by its path, or by the link read from the mail outbox, or by sending
its form empty), and checks it (``Journey.check_page``: axe-core, 375 px).

Settings: ``base_url``, ``state_dir``, ``people`` (``{who: {"email", "password"}}``: the
ones who log in) and ``visits``, in order, each ``{"who", "name", "path"}`` or with
``"mail": {"to", "path"}`` instead of ``path``, and optionally ``"submit"`` (the name of the
button that sends the page's form as it is). What each visit answered goes to
``journey.seen["visits"]``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.support.browser import STEP_TIMEOUT_MS, Journey, read_link_from_mail

LOGIN_PATH = "/connexion"


def log_in(page: Page, base_url: str, email: str, password: str, then: str | None = None) -> None:
    """« Connexion » with the page form, as a person does, sent on to ``then`` (by default the
    role's home); waits for the page it leads to."""
    page.goto(base_url + LOGIN_PATH + (f"?suite={quote(then, safe='/')}" if then else ""))
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page).not_to_have_url(re.compile(re.escape(LOGIN_PATH)))
    page.wait_for_load_state("load")


def become(journey: Journey, who: str, settings: dict[str, Any], then: str | None) -> None:
    """Nobody logged in any more, then ``who`` logged in when they have an account, sent on
    to ``then``, the first page they visit."""
    journey.context.clear_cookies()
    person = settings["people"].get(who)
    if person is not None:
        with journey.step(f"{who} : connexion"):
            log_in(journey.page, settings["base_url"], person["email"], person["password"], then)


def open_page(journey: Journey, visit: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """Open the visit's page as its person would; what the browser got."""
    page = journey.page
    if "mail" in visit:
        url = read_link_from_mail(settings["state_dir"], visit["mail"]["to"], visit["mail"]["path"])
    else:
        url = settings["base_url"] + visit["path"]
    response = page.goto(url)
    status = response.status if response is not None else 0
    if visit.get("submit"):
        with page.expect_navigation():
            page.get_by_role("button", name=visit["submit"], exact=True).click()
        status = journey.visits[-1].status
    page.wait_for_load_state("load")
    return {"status": status, "url": page.url, "title": page.title()}


def run(journey: Journey, settings: dict[str, Any]) -> None:
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    seen: list[dict[str, Any]] = []
    journey.seen["visits"] = seen
    current: str | None = None
    for visit in settings["visits"]:
        who = visit["who"]
        if who != current:
            become(journey, who, settings, visit.get("path"))
            current = who
        with journey.step(f"{who} {visit['name']}"):
            got = open_page(journey, visit, settings)
            check = journey.check_page(journey.page, f"{who} {visit['name']}")
            seen.append({**visit, **got, "checked_url": check["url"]})
