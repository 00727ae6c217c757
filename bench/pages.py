"""Time of every page and weight of its JavaScript: ``python -m bench.pages [--rounds 30]``
(or ``make bench-pages``).

1. Starts a private platform (SQLite under a temporary STATE_DIR, a private vhost on the
   broker of ``AMQP_URI``) with the demo accounts, the schools and the demo activity, as
   ``make run`` does (offers, applications, a convention ready to sign).
2. Logs in through the page form (``/connexion``) as the demo employer: a cookie session.
3. Lists the pages the gateway declares now (``gateway.routing.ROUTES``: tag "web", method
   GET), skipping the static files; fills their path parameters from the demo data (the
   employer's offers, applications, conventions, spaces), else from a link of the pages
   seen, else from ``--param name=value``; the ones left unfilled are listed as skipped.
4. GETs each page ``--rounds`` times (rounds interleaved across pages, on one kept-alive
   connection), and prints per page p50 / p95 / max in ms beside the target « p95 ≤ 50 ms »,
   and the size of the page's own JavaScript (the ``/static/js/*.mjs`` modules its HTML loads
   and their static imports, recursively) beside « ≤ 30 KB »; the DSFR's script apart.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from services.common.config import DEFAULT_AMQP_URI, SERVICES
from tests.support.page_routes import PageRoute as DeclaredPage
from tests.support.page_routes import declared_pages as declared_page_routes
from tests.support.page_routes import first_items, resolve_paths
from tests.support.page_session import PageSession
from tests.support.stack import free_port

TARGET_P95_MS = 50.0
TARGET_JS_KB = 30.0
# Values of path parameters that do not come from the demo data.
FIXED_PARAMS = {"audience": "offreur", "legal_page": "accessibilite"}
_MODULE_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)\s*=\s*"([^"]*)"')
# import x from "./a.mjs"; import "./a.mjs"; export { y } from "./a.mjs" (not import("…"): loaded later)
_STATIC_IMPORT = re.compile(r"""(?:^|[;\s])(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([^"']+)["']""", re.M)


@dataclass
class PageRoute(DeclaredPage):
    """One GET page the gateway declares, and what measuring it found."""

    status: int = 0
    content_type: str = ""
    timings_ms: list[float] = field(default_factory=list)
    own_js: dict[str, int] = field(default_factory=dict)
    other_scripts: dict[str, int] = field(default_factory=dict)


def declared_pages() -> tuple[list[PageRoute], list[str], list[str]]:
    """The GET pages of ``gateway.routing.ROUTES`` (tag "web"), the static-file routes left
    out, and the rules declared more than once (each page is measured once)."""
    return declared_page_routes(PageRoute)


def demo_params(browser: PageSession) -> dict[str, Any]:
    """Path parameter values from the demo employer's data (the JSON API, with the page's cookie)."""
    values: dict[str, Any] = dict(FIXED_PARAMS)

    def api(path: str) -> Any:
        answer = browser.http.get(browser.url(path), timeout=30)
        return answer.json() if answer.status_code == 200 else None

    for name, path in (
        ("offer_id", "/api/v1/offers"),
        ("application_id", "/api/v1/applications"),
        ("convention_id", "/api/v1/conventions"),
    ):
        items = first_items(api(path))
        if items:
            values[name] = items[0]["id"]
    team = api("/api/v1/team") or {}
    spaces = first_items(team.get("spaces", []))
    if spaces:
        values["space_id"] = spaces[0]["id"]
    me = api("/api/v1/me") or {}
    if "id" in me:
        values["user_id"] = values["member_id"] = me["id"]
    return values


def script_sources(html: str) -> tuple[list[str], list[str]]:
    """The ``src`` of a page's module scripts, and of its other scripts."""
    modules, others = [], []
    for tag in _MODULE_SCRIPT.findall(html):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if "src" not in attributes:
            continue
        (modules if attributes.get("type") == "module" else others).append(attributes["src"])
    return modules, others


def module_closure(entry_points: list[str], read: Callable[[str], bytes]) -> dict[str, int]:
    """Bytes of each module reached from ``entry_points`` by static imports (each counted once)."""
    sizes: dict[str, int] = {}
    queue = list(entry_points)
    while queue:
        path = queue.pop(0)
        if path in sizes:
            continue
        source = read(path)
        sizes[path] = len(source)
        for target in _STATIC_IMPORT.findall(source.decode("utf-8", "replace")):
            queue.append(urlsplit(urljoin("http://x" + path, target)).path)
    return sizes


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 30 values: the 29th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Timer:
    """GETs on one kept-alive connection with the browser's cookies: a light client, so the
    figures measure the gateway rather than the load generator sharing its two cores."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.headers = {"Cookie": cookie, "Accept": "text/html"}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> tuple[float, int, bytes, str]:
        """(milliseconds until the whole body arrived, status, body, content type)."""
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()  # the server closed the kept-alive connection: once more
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            started = time.perf_counter()
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, response.status, body, response.getheader("Content-Type", "")


def start_platform(state: Path) -> tuple[Any, int]:
    """The platform with the demo accounts, schools and activity, as ``make run`` has it."""
    from deploy import demo_activity
    from deploy.processes import ProcessGroup
    from services.common.migrations import upgrade
    from services.identity import demo
    from services.matching import import_schools

    for name in SERVICES:
        os.environ.pop(f"DATABASE_URL_{name.upper()}", None)
        upgrade(name)
    demo.load()
    print(import_schools.load_default(), flush=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GATEWAY_PORT": str(port), "PUBLIC_URL": url, "MIGRATE_ON_START": "0"}
    group = ProcessGroup(env, state / "logs", port)
    group.start()
    try:
        group.wait_ready(120)
        if demo_activity.run(url, url, state, lambda text: print(text, flush=True)) is None:
            raise RuntimeError("the demo activity was not added: see the message above")
    except BaseException:
        group.stop()
        raise
    return group, port


def measure(pages: list[PageRoute], timer: Timer, rounds: int) -> None:
    """``rounds`` GETs of every page, rounds interleaved (the machine's load drifts)."""
    for page in pages:
        _, page.status, _, page.content_type = timer.get(page.path or "")  # warm-up, and what it answers
    for round_number in range(1, rounds + 1):
        for page in pages:
            elapsed, _, _, _ = timer.get(page.path or "")
            page.timings_ms.append(elapsed)
        print(f"\rround {round_number}/{rounds}", end="", flush=True)
    print()


def report(pages: list[PageRoute], static: list[str], twice: list[str], dsfr: dict[str, int], rounds: int) -> bool:
    """Print the table; whether every measured page met both targets."""
    measured = [page for page in pages if page.timings_ms]
    width = max([len(page.path or "") for page in measured] + [20])
    print()
    print(f"{len(measured)} pages, {rounds} GETs each, logged in as the demo employer (cookie session)")
    targets = f"p95 ≤ {TARGET_P95_MS:.0f} ms  own JS KB  ≤ {TARGET_JS_KB:.0f} KB"
    header = f"{'page':<{width}}  status  p50 ms  p95 ms  max ms  {targets}"
    print(header)
    print("-" * len(header))
    all_met = True
    for page in measured:
        p50, p95, worst = statistics.median(page.timings_ms), percentile(page.timings_ms, 0.95), max(page.timings_ms)
        js_kb = sum(page.own_js.values()) / 1024
        time_ok, js_ok = p95 <= TARGET_P95_MS, js_kb <= TARGET_JS_KB
        all_met = all_met and time_ok and js_ok
        print(
            f"{page.path:<{width}}  {page.status:>6}  {p50:6.1f}  {p95:6.1f}  {worst:6.1f}  "
            f"{'OK' if time_ok else 'OVER':<12}  {js_kb:9.1f}  {'OK' if js_ok else 'OVER'}"
        )
    print()
    print("own JavaScript of each page (modules and their static imports):")
    for page in measured:
        modules = ", ".join(f"{Path(path).name} {size / 1024:.1f}" for path, size in page.own_js.items())
        others = ", ".join(f"{path} {size / 1024:.1f}" for path, size in page.other_scripts.items())
        print(f"  {page.path}: {modules or 'none'}" + (f"; other scripts (KB): {others}" if others else ""))
    dsfr_text = ", ".join(f"{path} {size / 1024:.1f} KB" for path, size in dsfr.items()) or "none"
    print(f"the DSFR's own script, loaded by the layout and not counted above: {dsfr_text}")
    statuses = [f"{page.path} ({page.status})" for page in measured if page.status != 200]
    if statuses:
        print(f"pages that did not answer 200 (timed as they answered): {', '.join(statuses)}")
    if twice:
        print(f"declared more than once (by two page modules; measured once): {', '.join(sorted(set(twice)))}")
    print()
    print("skipped:")
    for rule in static:
        print(f"  {rule}: static files")
    for page in pages:
        if not page.timings_ms:
            print(f"  {page.rule}: {page.skipped}")
    print()
    print(
        f"targets: p95 ≤ {TARGET_P95_MS:.0f} ms and own JS ≤ {TARGET_JS_KB:.0f} KB: {'met' if all_met else 'NOT met'}"
    )
    return all_met


def parse_params(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not name or not value:
            raise SystemExit(f"--param expects name=value, not {pair!r}")
        values[name] = value
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="GETs of each page (default 30)")
    parser.add_argument("--param", action="append", default=[], help="a path parameter's value, name=value")
    args = parser.parse_args()

    from deploy.demo_activity import account
    from services.common import broker
    from services.identity.demo import DEMO_PASSWORD

    uri = broker.with_vhost(os.environ.get("AMQP_URI", DEFAULT_AMQP_URI), f"e1s-bench-{uuid.uuid4().hex[:8]}")
    print(broker.ensure_vhost(uri))
    state = Path(tempfile.mkdtemp(prefix="e1s-bench-pages-"))
    os.environ.update({"STATE_DIR": str(state), "AMQP_URI": uri, "LOG_LEVEL": "WARNING"})
    pages, static, twice = declared_pages()
    group, port = start_platform(state)
    try:
        browser = PageSession(f"http://127.0.0.1:{port}")
        employer = account("employer")["email"]
        print(f"logged in as {employer} through the page form: sent to {browser.log_in(employer, DEMO_PASSWORD)}")
        values = {**demo_params(browser), **parse_params(args.param)}
        print("path parameters: " + ", ".join(f"{name}={value}" for name, value in sorted(values.items())))
        cookie = "; ".join(f"{name}={value}" for name, value in browser.http.cookies.items())
        timer = Timer(port, cookie)

        def fetch(path: str) -> tuple[int, str, str]:
            _, status, body, content_type = timer.get(path)
            return status, content_type, body.decode("utf-8", "replace")

        seen = resolve_paths(pages, values, fetch)
        for page in pages:
            if page.path is not None and not seen.get(page.path):
                status, content_type, _ = fetch(page.path)
                page.skipped = f"answers {status} {content_type or 'without a body'}, not an HTML page"
                page.path = None
        to_measure = [page for page in pages if page.path is not None]

        def read(path: str) -> bytes:
            _, status, body, _ = timer.get(path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            return body

        dsfr: dict[str, int] = {}
        for page in to_measure:
            modules, others = script_sources(seen[page.path or ""])
            page.own_js = module_closure([src for src in modules if src.startswith("/static/js/")], read)
            for src in modules + others:
                if src.startswith("/static/dsfr/"):
                    if src.endswith(".module.min.js") and src not in dsfr:
                        dsfr[src] = len(read(src))  # the nomodule one is for old browsers only
                elif not src.startswith("/static/js/"):
                    page.other_scripts[src] = len(read(src))
        measure(to_measure, timer, args.rounds)
        report(pages, static, twice, dsfr, args.rounds)
    finally:
        group.stop()
        broker.delete_vhost(uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
