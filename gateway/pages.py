"""The web pages the gateway serves: static pages and the readable API documentation."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

WEB_DIR = Path(__file__).resolve().parent / "web"
_templates = Environment(loader=FileSystemLoader(WEB_DIR), autoescape=select_autoescape(["html", "j2"]))


@functools.cache
def _read(name: str) -> bytes:
    return (WEB_DIR / name).read_bytes()


def static_page(name: str) -> Response:
    """One HTML page of ``gateway/web``."""
    return Response(_read(name), content_type="text/html; charset=utf-8")


# The files every page links to: a fixed list, so no path from a request reaches the disk.
SHARED_ASSETS = {
    "site.css": "text/css; charset=utf-8",
    "site.js": "text/javascript; charset=utf-8",
    "signature-pad.js": "text/javascript; charset=utf-8",
}


def shared_asset(name: str) -> Response:
    """One of ``SHARED_ASSETS`` (``gateway/web``); 404 for any other name."""
    content_type = SHARED_ASSETS.get(name)
    if content_type is None:
        return Response("Introuvable.", status=404, content_type="text/plain; charset=utf-8")
    response = Response(_read(name), content_type=content_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def api_docs(document: dict[str, Any]) -> Response:
    """The OpenAPI document rendered as one readable HTML page (no external scripts)."""
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
    html = _templates.get_template("docs.html.j2").render(
        document=document,
        operations=operations,
        schemas={
            name: json.dumps(schema, ensure_ascii=False, indent=2)
            for name, schema in document["components"]["schemas"].items()
        },
    )
    return Response(html, content_type="text/html; charset=utf-8")
