"""The web pages the gateway declares, and how to give their path parameters values.

The pages are the GET routes of ``gateway.routing.ROUTES`` with the tag "web", the static
files apart. A rule's parameters are filled from values the caller knows (ids of its data),
else from the links of the pages fetched. Shared by ``bench/pages.py`` (time of every page)
and the browser journey of every page (tests/e2e/test_every_page_in_a_browser.py), so that a
page added to the gateway is timed and checked without a list to update.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule

STATIC_PREFIX = "/static/"
_HREF = re.compile(r'\shref="([^"#]*)"')


@dataclass
class PageRoute:
    """One GET page the gateway declares, and the path chosen for it (None: no value found)."""

    rule: str
    summary: str
    params: list[str]
    path: str | None = None
    skipped: str = ""


P = TypeVar("P", bound=PageRoute)


def declared_pages(make: Callable[[str, str, list[str]], P]) -> tuple[list[P], list[str], list[str]]:
    """The GET pages of ``gateway.routing.ROUTES`` (tag "web"), each made by
    ``make(rule, summary, params)``; the static-file routes left out; the rules declared more
    than once (each page is listed once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet's notice of its own deprecation, at import
        import gateway.service  # noqa: F401 (declares every route)
    from gateway.routing import ROUTES

    pages: dict[str, P] = {}
    static, twice = [], []
    for spec in ROUTES:
        if spec.tag != "web" or "GET" not in spec.method.split(","):
            continue
        if spec.rule.startswith(STATIC_PREFIX):
            static.append(spec.rule)
        elif spec.rule in pages:
            twice.append(spec.rule)
        else:
            pages[spec.rule] = make(spec.rule, spec.summary, [name for name, _ in spec.path_params])
    return list(pages.values()), static, twice


def fill(rule: str, values: dict[str, Any]) -> str:
    """``/mon-espace/offres/<int:offer_id>`` with ``offer_id`` → ``/mon-espace/offres/12``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: str(values[match.group(1)]), rule)


def links_in(html: str) -> Iterable[str]:
    """The local paths a page links to (without their query), static files apart."""
    for href in _HREF.findall(html):
        parts = urlsplit(href)
        if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith(STATIC_PREFIX):
            yield parts.path


def first_items(answer: Any) -> list[dict[str, Any]]:
    """The items of a list answer of the API (a list, or ``{results: [...]}``)."""
    if isinstance(answer, dict):
        answer = answer.get("results", [])
    return [item for item in answer if isinstance(item, dict)] if isinstance(answer, list) else []


def page_router(rules: Iterable[str]) -> MapAdapter:
    """A router of ``rules`` whose endpoints are the rules themselves (see :func:`rule_of`)."""
    return Map([Rule(rule, endpoint=rule) for rule in rules]).bind("localhost")


def rule_of(router: MapAdapter, path: str) -> str | None:
    """The rule a GET of ``path`` reaches (None: none, the router's own 404)."""
    try:
        rule, _ = router.match(path, method="GET")
    except HTTPException:
        return None
    return str(rule)


def resolve_paths(
    pages: list[P], values: dict[str, Any], fetch: Callable[[str], tuple[int, str, str]]
) -> dict[str, str]:
    """Give each page a path: filled from ``values``, else found among the links of the pages
    fetched (``fetch(path) -> (status, content_type, html)``). Returns the HTML seen by path;
    a page left without a path says why in ``skipped``."""
    by_rule = {page.rule: page for page in pages}
    router = page_router(by_rule)
    seen: dict[str, str] = {}
    for page in pages:
        if all(name in values for name in page.params):
            page.path = fill(page.rule, values)
    queue = [page.path for page in pages if page.path]
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        _, content_type, html = fetch(path)
        seen[path] = html if content_type.startswith("text/html") else ""
        for link in links_in(seen[path]):
            rule = rule_of(router, link)
            if rule is None:
                continue
            page = by_rule[rule]
            if page.path is None:
                page.path = link
                queue.append(link)
    for page in pages:
        if page.path is None:
            missing = [name for name in page.params if name not in values]
            page.skipped = f"no value for {', '.join(missing)} (in the demo data or a link): --param {missing[0]}=…"
    return seen
