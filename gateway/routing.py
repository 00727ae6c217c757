"""Declarative routes: one decorator gives a nameko ``@http`` entrypoint its HTTP concerns.

``@route(...)`` parses and validates the JSON body with the route's pydantic model,
authenticates the bearer token when the route needs it, maps typed errors to API.md's
error format (or the partner API v2's: ``gateway/errors.py``), logs the request as a JSON
line and records its metrics. The same declarations produce the OpenAPI document, so the
documentation cannot drift from the checks.
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, create_model
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from gateway import errors, observability
from gateway.errors import ErrorFormat
from gateway.unexpected_errors import unexpected_error
from gateway.web_server import MAX_BODY_BYTES, http
from services.common.errors import DomainError, not_found
from services.common.session_tokens import SessionClaims
from services.common.staff_confirmation import TEACHER_ROLE
from services.common.validation import parse

JSON_TYPE = "application/json; charset=utf-8"

# The largest id a database column can hold (a signed 64-bit integer): a path naming a larger
# one (or 0) names nothing, and the database driver would fail on it (OverflowError).
MAX_ID = 2**63 - 1
# Beyond any list's last page (100 per page at most), and small enough that the offset
# (page - 1) × per_page stays a 64-bit integer.
MAX_PAGE = 1_000_000
# No body the API takes is nested deeper; a deeper one would exhaust the parser's stack.
MAX_JSON_DEPTH = 32


@dataclass(frozen=True)
class RouteSpec:
    """What a route takes and answers; read by the handler wrapper and by the OpenAPI builder."""

    method: str
    rule: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    # A body the OpenAPI document describes but the handler reads itself, with errors of its own
    # (the partner API v2's offers: the national API's codes and messages); its statuses go in ``errors``.
    documented_body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    response_is_list: bool = False
    status: int = 200
    # True: a bearer token is required; "optional": used when given; False: ignored
    auth: bool | str = True
    errors: tuple[int, ...] = ()
    description: str = ""
    query: type[BaseModel] | None = None
    raw: bool = False
    # Error bodies: "v1" (API.md) or "v2" (the partner API's), rendered by gateway/errors.py
    error_format: ErrorFormat = "v1"
    # Who calls, when auth applies: fn(service, request) -> claims, raising a DomainError to
    # refuse (the partner API's also counts the call); default: the bearer session token.
    authenticate: Callable[[Any, Request], SessionClaims] | None = None
    # A page (gateway/page_routing.py): it shows its own errors, its path's ids' included, as pages.
    html: bool = False

    @property
    def openapi_path(self) -> str:
        """``/api/v1/users/<int:user_id>`` → ``/api/v1/users/{user_id}``."""
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", self.rule)

    @property
    def path_params(self) -> list[tuple[str, str]]:
        return [(name, conv or "string") for conv, name in re.findall(r"<(?:([^:<>]+):)?([^<>]+)>", self.rule)]


ROUTES: list[RouteSpec] = []


@dataclass
class Call:
    """One HTTP call as a handler sees it."""

    request: Request
    path: dict[str, Any]
    body: Any = None
    query: Any = None
    user: SessionClaims | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # identity's ``school_confirmed(user_id)``: asked once per request of a teacher, so that a
    # head's confirmation counts at once (a token issued before it says nothing of it).
    staff_confirmation: Callable[[int], bool | None] | None = None
    _school_confirmed: bool | None = field(default=None, init=False)
    _confirmation_asked: bool = field(default=False, init=False)

    @property
    def claims(self) -> SessionClaims:
        assert self.user is not None, "route declared without auth"
        return self.user

    @property
    def actor(self) -> dict[str, Any] | None:
        """The caller as services receive it (``services.common.contracts.actors.Actor``)."""
        if self.user is None:
            return None
        actor = {
            "user_id": self.user.user_id,
            "role": self.user.role,
            "team_id": self.user.team_id,
            "school_uai": self.user.school_uai,
            "grade": self.user.grade,
        }
        if self.user.role == TEACHER_ROLE:
            actor["school_confirmed"] = self.school_confirmed
        return actor

    @property
    def school_confirmed(self) -> bool | None:
        """Whether the calling teacher's head of school has confirmed them, as identity says now;
        None for every other role (see ``services.common.staff_confirmation``)."""
        if self.user is None or self.user.role != TEACHER_ROLE or self.staff_confirmation is None:
            return None
        if not self._confirmation_asked:
            self._school_confirmed = self.staff_confirmation(self.user.user_id)
            self._confirmation_asked = True
        return self._school_confirmed


def content_security_policy(map_tiles_url: str = "") -> str:
    """Pages load scripts, styles, fonts and images from this origin only; no inline script runs.

    Images may be data: URLs (the DSFR's icons in its stylesheet, a drawn signature's preview),
    and come from the map tiles' server when ``MAP_TILES_URL`` names one (the search's map).
    """
    tiles = urlsplit(map_tiles_url)
    tiles_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles.scheme in ("https", "http") and tiles.netloc else ""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles_origin}; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


CONTENT_SECURITY_POLICY = content_security_policy(os.environ.get("MAP_TILES_URL", ""))


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def security_headers(response: Response) -> None:
    """The headers every answer carries (a route may have set a stricter ``Referrer-Policy``)."""
    headers = response.headers
    # One pass over the headers: werkzeug's setdefault scans them all for each name.
    present = {name.lower() for name, _ in headers.items()}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if response.mimetype == "text/html" and "content-security-policy" not in present:
        headers.add("Content-Security-Policy", CONTENT_SECURITY_POLICY)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (``None`` gives an empty body, as 204 needs)."""
    if payload is None:
        return Response(status=status, headers=headers)
    return Response(json.dumps(payload, ensure_ascii=False), status=status, headers=headers, content_type=JSON_TYPE)


def error_response(exc: DomainError, error_format: ErrorFormat = "v1") -> Response:
    """The answer to ``exc`` in a route's error format, with ``Retry-After`` when it says."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    status, body = errors.render(exc, error_format)
    return json_response(body, status, headers)


def _malformed(message: str = "Le corps de la requête n'est pas un JSON valide.") -> DomainError:
    return DomainError("MALFORMED_JSON", message)


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which JSON does not have (and JSON answers could not carry).
    raise _malformed(f"Le corps de la requête n'est pas un JSON valide : {name} n'est pas un nombre JSON.")


def _too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels (without recursion)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth > limit:
                return True
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children)
    return False


def is_json_type(mimetype: str) -> bool:
    """``application/json`` or a ``+json`` type (``application/merge-patch+json``)."""
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def read_json(request: Request) -> Any:
    """The request's JSON body (``{}`` when empty).

    415 ``UNSUPPORTED_MEDIA_TYPE`` for a body not declared as JSON (eventlet's server reports a
    missing ``Content-Type`` as ``text/plain``); 400 ``MALFORMED_JSON`` when it is not UTF-8 JSON
    or nests deeper than ``MAX_JSON_DEPTH``. (``_handle`` refuses bodies over ``MAX_BODY_BYTES``.)
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not is_json_type(request.mimetype):
        raise DomainError(
            "UNSUPPORTED_MEDIA_TYPE",
            "Le corps de la requête doit être du JSON (Content-Type: application/json), "
            f"pas {request.mimetype or 'un type non précisé'}.",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("Le corps de la requête n'est pas un texte UTF-8 valide.") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _malformed(_too_deep_message()) from None
    except ValueError:
        raise _malformed() from None
    if _too_deep(value, MAX_JSON_DEPTH):
        raise _malformed(_too_deep_message())
    return value


def _too_deep_message() -> str:
    return f"Le corps de la requête est imbriqué trop profondément (au plus {MAX_JSON_DEPTH} niveaux)."


def check_path_ids(path: dict[str, Any]) -> None:
    """404 for an integer path parameter (every one is an id) that no row can have: 0 or over 64 bits."""
    for value in path.values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise DomainError("NOT_FOUND", f"Introuvable : aucun élément ne porte l'identifiant {value}.")


def check_body_size(request: Request) -> None:
    """413 for a body declared over ``MAX_BODY_BYTES`` (werkzeug stops a longer stream there too)."""
    request.max_content_length = MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise body_too_large()


def body_too_large() -> DomainError:
    """413 ``PAYLOAD_TOO_LARGE``, in French."""
    return DomainError(
        "PAYLOAD_TOO_LARGE",
        f"Le corps de la requête dépasse la taille permise ({MAX_BODY_BYTES // 1024 // 1024} Mo).",
    )


def bounded_pages(query: type[BaseModel] | None) -> type[BaseModel] | None:
    """``query`` with its ``page`` (when it has one) capped at ``MAX_PAGE``, documented as such."""
    if query is None or "page" not in query.model_fields:
        return query
    declared = query.model_fields["page"]
    page = Field(default=declared.default, ge=1, le=MAX_PAGE, description=declared.description)
    bounded: type[BaseModel] = create_model(
        query.__name__, __base__=query, __module__=query.__module__, page=(int, page)
    )
    bounded.__doc__ = query.__doc__
    return bounded


@functools.cache
def _declared_rules(count: int) -> Map:
    # ``count``: routes declared since (a test's) are matched too. Pages are left out: their
    # catch-all (``/<path:unknown>``) would take any GET.
    specs = [spec for spec in ROUTES[:count] if not spec.html]
    return Map([Rule(spec.rule, methods=spec.method.split(","), endpoint=spec) for spec in specs])


def allowed_methods(path: str, method: str) -> list[str]:
    """The methods the declared routes take at ``path`` when none takes ``method`` there (empty
    when no route has this path, or when one takes ``method``)."""
    try:
        _declared_rules(len(ROUTES)).bind("gateway").match(path, method)
    except MethodNotAllowed as exc:
        return sorted(set(exc.valid_methods or ()) - {"HEAD", "OPTIONS"})
    except NotFound:
        pass
    return []


def unknown_route_response(request: Request, error_format: ErrorFormat = "v1") -> Response:
    """The answer to a request no declared route takes: 405 with ``Allow`` when its path is a
    route's under other methods, 404 otherwise (for the catch-all routes under ``/api``)."""
    allowed = allowed_methods(request.path, request.method)
    if allowed:
        exc = DomainError(
            "METHOD_NOT_ALLOWED",
            f"La méthode {request.method} n'est pas permise sur {request.path} (permises : {', '.join(allowed)}).",
        )
        status, body = errors.render(exc, error_format)
        return json_response(body, status, {"Allow": ", ".join(allowed)})
    status, body = errors.render(not_found(f"Aucune route ne correspond à {request.path}."), error_format)
    return json_response(body, status)


def route(method: str, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare an HTTP route of the gateway (``options`` are ``RouteSpec``'s fields).

    The handler is ``fn(self, call)``; it returns a JSON-friendly payload (answered with
    ``status``), a ``(status, payload)`` pair, or a werkzeug ``Response`` when ``raw``.
    """
    options["query"] = bounded_pages(options.get("query"))
    spec = RouteSpec(method, rule, **options)
    ROUTES.append(spec)

    def decorate(handler: Callable[..., Any]) -> Any:
        def entrypoint(self: Any, request: Request, **path: Any) -> Response:
            return _handle(self, spec, handler, request, path)

        entrypoint.__name__ = handler.__name__
        entrypoint.__qualname__ = handler.__qualname__
        entrypoint.__doc__ = handler.__doc__
        return http(method, rule)(entrypoint)

    return decorate


def _handle(
    service: Any, spec: RouteSpec, handler: Callable[..., Any], request: Request, path: dict[str, Any]
) -> Response:
    started = time.perf_counter()
    # Looked up only when a teacher's actor is built (services without identity serve others).
    call = Call(request, path, staff_confirmation=lambda user_id: service.identity.school_confirmed(user_id))
    try:
        check_body_size(request)
        if not spec.html:
            check_path_ids(path)
        if spec.auth is True or (spec.auth == "optional" and service.auth.has_credentials(request)):
            call.user = (
                spec.authenticate(service, request)
                if spec.authenticate is not None
                else service.auth.authenticate(request, service.identity.revoked_sessions)
            )
        if spec.query is not None:
            call.query = parse(spec.query, request.args.to_dict())
        if spec.body is not None:
            call.body = parse(spec.body, read_json(request))
        result = handler(service, call)
        if isinstance(result, Response):
            response = result
        elif isinstance(result, tuple):
            response = json_response(result[1], result[0])
        else:
            response = json_response(result, spec.status)
    except DomainError as exc:
        response = error_response(exc, spec.error_format)
    except RequestEntityTooLarge:
        response = error_response(body_too_large(), spec.error_format)
    except Exception as exc:
        message = "Une erreur inattendue s'est produite. Réessayez plus tard."
        unexpected = unexpected_error(exc, f"{spec.method} {spec.rule}", call.request_id, message)
        response = error_response(unexpected, spec.error_format)
    response.headers["X-Request-Id"] = call.request_id
    security_headers(response)
    observability.record(
        request.method,
        spec.rule,
        request.path,
        response.status_code,
        time.perf_counter() - started,
        call.user.user_id if call.user else None,
        call.request_id,
    )
    return response
