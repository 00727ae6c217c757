"""The shared browser driver of the journeys: Debian's chromium through playwright's sync API.

Imported only by the scripts of ``tests/support/web_journeys`` (run in a process of their own
by ``python -m tests.support.web_journeys.run``), never by a pytest process: the suite
monkey-patches eventlet (tests/conftest.py), under which leaving ``sync_playwright()`` never
returns.

A :class:`Journey` records what a person would see: each step ends with a full-page
screenshot in the artefact folder (``artefacts/screenshots/<journey>/NN-<step>.png``, or
under ``$E1S_ARTEFACTS``), every page the browser loads is recorded with its status, its
Content-Security-Policy header, its console errors, script errors and failed requests, and
:meth:`Journey.check_page` adds axe-core's serious and critical violations and whether the
page scrolls sideways 375 px wide.
"""

from __future__ import annotations

import os
import re
import time
import traceback
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, Response, sync_playwright

from tests.support.mailbox import text_of, wait_for_mail_containing

CHROMIUM = "/usr/bin/chromium"
# The flags of tests/support/browser_signing.py: without the background-networking ones
# chromium calls Google's services at start, which a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS_ENV = "E1S_ARTEFACTS"
STEP_TIMEOUT_MS = 15_000
DESKTOP = {"width": 1280, "height": 1000}
NARROW = {"width": 375, "height": 800}
# The impacts that fail a page; the others are listed by rule id only, for information.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
MAX_TABS = 80
MAX_FULL_PAGE_PX = 12_000


class JourneyStopped(Exception):
    """A step failed: the journey is over, its report says where and why."""


def artefacts_dir() -> Path:
    """The artefact folder CI keeps (``$E1S_ARTEFACTS``, by default ``artefacts/`` of the checkout)."""
    configured = os.environ.get(ARTEFACTS_ENV)
    return Path(configured) if configured else ROOT / "artefacts"


def slug(text: str) -> str:
    """``« Je suis un offreur »`` → ``je-suis-un-offreur`` (a file name)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "step"


@dataclass
class Visit:
    """One document the main frame loaded, and what went wrong while it was shown."""

    url: str
    status: int
    headers: dict[str, str]
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "path": urlsplit(self.url).path,
            "status": self.status,
            "content_type": self.headers.get("content-type", ""),
            "csp": self.headers.get("content-security-policy"),
            "console_errors": self.console_errors,
            "page_errors": self.page_errors,
            "failed_responses": self.failed_responses,
            "checks": self.checks,
        }


@contextmanager
def chromium(**context_options: Any) -> Iterator[tuple[Browser, BrowserContext]]:
    """Debian's chromium and a French context (fr-FR, Europe/Paris, 1280 × 1000)."""
    options = {"locale": "fr-FR", "timezone_id": "Europe/Paris", "viewport": DESKTOP, **context_options}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**options)
            context.set_default_timeout(STEP_TIMEOUT_MS)
            yield browser, context
        finally:
            browser.close()


class Journey:
    """What a person did in the browser, step by step, and what each page they saw was worth."""

    def __init__(self, name: str, context: BrowserContext, folder: Path | None = None) -> None:
        self.name = name
        self.context = context
        self.folder = folder or artefacts_dir() / "screenshots" / slug(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()  # the folder shows this run only
        self.steps: list[dict[str, Any]] = []
        self.visits: list[Visit] = []
        self.seen: dict[str, Any] = {}
        self.error: dict[str, Any] | None = None
        self._shots = 0
        self._axe = Axe()
        self.page = self.watch(context.new_page())

    # -- recording ---------------------------------------------------------------------------

    def watch(self, page: Page) -> Page:
        """Record ``page``'s documents, console errors, script errors and failed requests."""
        page.on("response", lambda response: self._on_response(page, response))
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._current().page_errors.append(str(error)))
        return page

    def _on_response(self, page: Page, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and response.frame == page.main_frame:
            if 300 <= response.status < 400:
                return  # a redirect: the document is the next answer
            self.visits.append(Visit(response.url, response.status, dict(response.headers)))
        elif response.status >= 400:
            self._current().failed_responses.append(f"{response.status} {request.method} {response.url}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        visit, url = self._current(), message.location.get("url")
        if url == visit.url and message.text.startswith(
            f"Failed to load resource: the server responded with a status of {visit.status} "
        ):
            return  # the document's own status (a refused form's 422), recorded on the visit
        visit.console_errors.append(f"{message.text} ({url})")

    def _current(self) -> Visit:
        if not self.visits:
            self.visits.append(Visit("about:blank", 0, {}))
        return self.visits[-1]

    def screenshot(self, page: Page, label: str) -> str:
        """A full-page screenshot ``NN-<label>.png`` in the journey's folder; its path."""
        self._shots += 1
        path = self.folder / f"{self._shots:02d}-{slug(label)}.png"
        # A very long page (the API's reference is ~90,000 px) takes longer to shoot whole than
        # a step may last on a busy machine: its first screens say what it is.
        height = page.evaluate("() => document.documentElement.scrollHeight")
        page.screenshot(path=str(path), full_page=height <= MAX_FULL_PAGE_PX)
        return str(path)

    @contextmanager
    def step(self, name: str, page: Page | None = None) -> Iterator[None]:
        """One step of the journey; its screenshot when it ends. A failure stops the journey."""
        page = page or self.page
        started = time.monotonic()
        entry: dict[str, Any] = {"name": name}
        self.steps.append(entry)
        try:
            yield
        except JourneyStopped:
            raise
        except Exception as error:
            entry["seconds"] = round(time.monotonic() - started, 2)
            self.error = {
                "step": name,
                "message": f"{type(error).__name__}: {error}",
                "url": page.url,
                "traceback": traceback.format_exc(limit=6),
            }
            try:
                self.error["screenshot"] = self.screenshot(page, f"{name}-echec")
            except Exception as shot_error:  # the report still says what failed
                self.error["screenshot"] = f"none: {shot_error}"
            raise JourneyStopped(name) from error
        entry["seconds"] = round(time.monotonic() - started, 2)
        entry["url"] = page.url
        entry["screenshot"] = self.screenshot(page, name)

    # -- checks ------------------------------------------------------------------------------

    def check_page(self, page: Page, name: str) -> dict[str, Any]:
        """axe-core's serious and critical violations, and sideways scrolling at 375 px, of the
        page shown now; recorded on its visit and returned."""
        page.wait_for_load_state("load")
        settle(page)
        results = self._axe.run(page, options={"resultTypes": ["violations"]}).response
        blocking, minor = [], []
        for violation in results["violations"]:
            if violation.get("impact") in BLOCKING_IMPACTS:
                blocking.append(
                    {
                        "id": violation["id"],
                        "impact": violation["impact"],
                        "help": violation["help"],
                        "nodes": [
                            {
                                "target": node["target"],
                                "html": node["html"][:300],
                                "summary": node.get("failureSummary"),
                            }
                            for node in violation["nodes"]
                        ],
                    }
                )
            else:
                minor.append(f"{violation['id']} ({violation.get('impact')})")
        check = {
            "name": name,
            "url": page.url,
            "axe_version": results.get("testEngine", {}).get("version"),
            "axe_rules_run": len(results.get("passes", [])) + len(results["violations"]),
            "violations": blocking,
            "minor_violations": minor,
            "narrow": self._narrow(page, name),
        }
        self._visit_of(page).checks.append(check)
        return check

    def _narrow(self, page: Page, name: str) -> dict[str, Any]:
        """Whether the page scrolls sideways 375 px wide, and what sticks out if it does."""
        size = page.viewport_size or DESKTOP
        page.set_viewport_size(NARROW)
        try:
            page.wait_for_timeout(150)  # the DSFR's scripts react to the resize
            measured = page.evaluate(
                """() => {
                    const width = window.innerWidth;
                    const scrollWidth = document.documentElement.scrollWidth;
                    const wider = [];
                    if (scrollWidth > width) for (const element of document.querySelectorAll("body *")) {
                        const box = element.getBoundingClientRect();
                        if (box.width > 0 && box.right > width + 1 && wider.length < 8) {
                            const id = element.id ? "#" + element.id : "";
                            const classes = [...element.classList].slice(0, 3).map(name => "." + name).join("");
                            const right = Math.round(box.right);
                            wider.push(`${element.tagName.toLowerCase()}${id}${classes} right=${right}`);
                        }
                    }
                    return {scroll_width: scrollWidth, inner_width: width, wider};
                }"""
            )
            measured["scrolls_sideways"] = measured["scroll_width"] > measured["inner_width"]
            measured["screenshot"] = self.screenshot(page, f"{name}-375px")
        finally:
            page.set_viewport_size(size)
        return measured

    def _visit_of(self, page: Page) -> Visit:
        for visit in reversed(self.visits):
            if visit.url == page.url:
                return visit
        return self._current()

    # -- the report --------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """Everything recorded, as JSON-able data."""
        return {
            "journey": self.name,
            "error": self.error,
            "steps": self.steps,
            "pages": [visit.as_dict() for visit in self.visits],
            "seen": self.seen,
            "screenshots": str(self.folder),
        }


# -- what the person reads or types -----------------------------------------------------------


def settle(page: Page) -> None:
    """Wait for the page's running CSS transitions and animations (a DSFR modal fades in):
    axe-core measures colour contrast as shown, and half-transparent text fails it."""
    page.evaluate("() => Promise.all(document.getAnimations().map(animation => animation.finished.catch(() => null)))")


def read_link_from_mail(state_dir: Path | str, recipient: str, path: str, timeout: float = 20.0) -> str:
    """The link to ``path`` in the newest email to ``recipient`` that has one (as clicked)."""
    message = wait_for_mail_containing(Path(state_dir), recipient, path, timeout=timeout)
    match = re.search(r"https?://[^\s<>\"']*" + re.escape(path) + r"[^\s<>\"']*", text_of(message))
    if match is None:
        raise AssertionError(f"the email to {recipient} has no link to {path}")
    return match.group(0)


def is_focused(target: Locator) -> bool:
    """Whether ``target`` has the keyboard focus."""
    return bool(target.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, max_presses: int = MAX_TABS, backwards: bool = False) -> int:
    """Press Tab (Shift+Tab when ``backwards``) until ``target`` (found by its role and
    accessible name, or its label) has the focus; the number of presses. Fails when it is not
    reached: the keyboard cannot get there."""
    target.wait_for(state="visible")
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(1, max_presses + 1):
        page.keyboard.press(key)
        if is_focused(target):
            return presses
    raise AssertionError(f"{target} not reached with {max_presses} presses of {key}")


def keyboard_choose(page: Page, option: Locator, max_presses: int = MAX_TABS) -> int:
    """Choose the radio button ``option`` as a keyboard user does: Tab into its group (Tab
    stops once per group), then the arrow keys, which move and tick; the keys it took."""
    option.wait_for(state="attached")
    name = option.get_attribute("name")
    in_group = "name => document.activeElement?.type === 'radio' && document.activeElement.name === name"
    presses = 0
    while not page.evaluate(in_group, name):
        if presses == max_presses:
            raise AssertionError(f"the radio group {name!r} not reached with {max_presses} presses of Tab")
        page.keyboard.press("Tab")
        presses += 1
    radios = page.locator(f'input[type="radio"][name="{name}"]').count()
    for _ in range(radios):
        if is_focused(option):
            break
        page.keyboard.press("ArrowRight")
        presses += 1
    if not is_focused(option):
        raise AssertionError(f"{option} not reached with the arrow keys in its group {name!r}")
    if not option.is_checked():
        page.keyboard.press("Space")  # Tab onto the first radio of an unticked group does not tick it
        presses += 1
    return presses


def focus_is_inside(page: Page, container: Locator) -> bool:
    """Whether the focused element is ``container`` or inside it (a modal keeps the focus)."""
    return bool(container.evaluate("element => element.contains(document.activeElement)"))


def focused_description(page: Page) -> str:
    """The focused element, as a short text for a report."""
    return str(
        page.evaluate(
            """() => {
                const element = document.activeElement;
                if (!element) return "";
                const label = element.labels && element.labels[0] ? element.labels[0].innerText : "";
                return `${element.tagName.toLowerCase()}#${element.id} ${label || element.innerText || ""}`.trim();
            }"""
        )
    )


def keyboard_type(page: Page, target: Locator, text: str) -> int:
    """Tab to the field ``target`` and type ``text`` key by key; the Tab presses it took."""
    presses = tab_to(page, target)
    page.keyboard.type(text)
    return presses


def keyboard_time(page: Page, target: Locator, time: str) -> int:
    """Tab to the time field ``target`` and type ``time`` (``"09:00"``) key by key; the Tab
    presses it took. The field shows the browser's format: 24 h, or 12 h with AM/PM (Debian's
    chromium without its chromium-l10n package knows en-US only), where « A » or « P » ends it."""
    presses = tab_to(page, target)
    hours, minutes = time.split(":")
    page.keyboard.type(hours + minutes)
    if target.input_value() != time:
        page.keyboard.type("P" if int(hours) >= 12 else "A")
    if target.input_value() != time:
        raise AssertionError(f"{target}: {time} typed, {target.input_value()!r} shown")
    return presses


def keyboard_activate(page: Page, target: Locator, key: str = "Enter") -> int:
    """Tab to the link or button ``target`` and press ``key`` (Enter, or Space for a button)."""
    presses = tab_to(page, target)
    page.keyboard.press(key)
    return presses


def missing_icons(page: Page) -> list[str]:
    """The DSFR icon classes (``fr-icon-…``) of the page that draw no icon: a name the DSFR
    does not ship shows as a plain square of the text's colour."""
    return list(
        page.evaluate(
            """() => {
                const missing = new Set();
                for (const element of document.querySelectorAll('[class*="fr-icon-"]')) {
                    const name = [...element.classList].find(one => one.startsWith("fr-icon-"));
                    const drawn = ["::before", "::after"].some(where => {
                        const style = getComputedStyle(element, where);
                        const mask = style.maskImage || style.webkitMaskImage;
                        return mask && mask !== "none";
                    });
                    if (name && !drawn) missing.add(name);
                }
                return [...missing].sort();
            }"""
        )
    )


def storage_snapshot(page: Page) -> dict[str, dict[str, str]]:
    """What the page's scripts could read: ``document.cookie``, localStorage, sessionStorage."""
    return dict(
        page.evaluate(
            """() => {
                const dump = store => Object.fromEntries(Object.keys(store).map(key => [key, store.getItem(key)]));
                return {cookie: {value: document.cookie}, local: dump(window.localStorage),
                        session: dump(window.sessionStorage)};
            }"""
        )
    )
