"""Files the pages load (the DSFR from npm, the platform's stylesheet and ES modules) and the
readable API documentation."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

WEB_DIR = Path(__file__).resolve().parent / "web"
ROOT = Path(__file__).resolve().parent.parent
# The DSFR as npm installed it (``npm ci``: package.json and package-lock.json pin its version).
DSFR_DIR = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"
# Leaflet and its marker clusters, likewise from npm: ``/static/leaflet/<file>`` and
# ``/static/leaflet/markercluster/<file>``, each from its package's fixed ``dist`` folder.
LEAFLET_DIR = ROOT / "node_modules" / "leaflet" / "dist"
MARKERCLUSTER_DIR = ROOT / "node_modules" / "leaflet.markercluster" / "dist"
MARKERCLUSTER_PREFIX = "markercluster/"
ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
_templates = Environment(loader=FileSystemLoader(WEB_DIR), autoescape=select_autoescape(["html", "j2"]))


@functools.cache
def _read(name: str) -> bytes:
    return (WEB_DIR / name).read_bytes()


# The files every page links to: a fixed list, so no path from a request reaches the disk.
SHARED_ASSETS = {
    "app.css": "text/css; charset=utf-8",
    "docs.css": "text/css; charset=utf-8",
    "search.css": "text/css; charset=utf-8",
}


def shared_asset(name: str) -> Response:
    """One of ``SHARED_ASSETS`` (``gateway/web``); 404 for any other name."""
    content_type = SHARED_ASSETS.get(name)
    if content_type is None:
        return _not_found()
    response = Response(_read(name), content_type=content_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _not_found() -> Response:
    return Response("Introuvable.", status=404, content_type="text/plain; charset=utf-8")


@functools.cache
def _module_names() -> frozenset[str]:
    return frozenset(path.name for path in (WEB_DIR / "js").glob("*.mjs"))


def page_module(name: str) -> Response:
    """One ES module of ``gateway/web/js``; 404 for any other name."""
    if name not in _module_names():
        return _not_found()
    response = Response(_read(f"js/{name}"), content_type=ASSET_TYPES[".mjs"])
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def dsfr_asset(path: str) -> Response:
    """A file of the DSFR's ``dist`` folder (stylesheets, scripts, fonts, icons); 404 otherwise."""
    return _package_asset(DSFR_DIR, path)


def leaflet_asset(path: str) -> Response:
    """A file of Leaflet's ``dist`` folder, or of leaflet.markercluster's under ``markercluster/``."""
    if path.startswith(MARKERCLUSTER_PREFIX):
        return _package_asset(MARKERCLUSTER_DIR, path.removeprefix(MARKERCLUSTER_PREFIX))
    return _package_asset(LEAFLET_DIR, path)


def _package_asset(base: Path, path: str) -> Response:
    """A file of a package's fixed folder ``base``, of a known type; 404 for anything else."""
    suffix = Path(path).suffix
    resolved = safe_join(str(base), path)
    if suffix not in ASSET_TYPES or resolved is None or not Path(resolved).is_file():
        return _not_found()
    response = Response(_read_dsfr(resolved), content_type=ASSET_TYPES[suffix])
    # The version is pinned by package-lock.json: a day in the browser's cache is safe.
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@functools.lru_cache(maxsize=512)
def _read_dsfr(path: str) -> bytes:
    return Path(path).read_bytes()


def api_docs(document: dict[str, Any]) -> Response:
    """The OpenAPI document rendered as one readable HTML page (no external scripts)."""
    return Response(_docs_html(json.dumps(document, sort_keys=True)), content_type="text/html; charset=utf-8")


@functools.lru_cache(maxsize=4)
def _docs_html(document_json: str) -> str:
    # The document changes only with the code (and the public URL): rendering its ~90,000 px
    # page once per process keeps /api/docs as fast as the other pages.
    document = json.loads(document_json)
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "operation": operation,
                    "body": body["$ref"].rsplit("/", 1)[-1] if body else None,
                }
            )
    return _templates.get_template("docs.html.j2").render(
        document=document,
        operations=operations,
        schemas={
            name: json.dumps(schema, ensure_ascii=False, indent=2)
            for name, schema in document["components"]["schemas"].items()
        },
    )
