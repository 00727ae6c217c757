"""Declarative routes: one decorator gives a nameko ``@http`` entrypoint its HTTP concerns.

``@route(...)`` parses and validates the JSON body with the route's pydantic model,
authenticates the bearer token when the route needs it, maps typed errors to API.md's
error format (or the partner API v2's: ``gateway/errors.py``), logs the request as a JSON
line and records its metrics. The same declarations produce the OpenAPI document, so the
documentation cannot drift from the checks.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from nameko.web.handlers import http
from pydantic import BaseModel
from werkzeug.wrappers import Request, Response

from gateway import errors, observability
from gateway.errors import ErrorFormat
from services.common.errors import DomainError
from services.common.session_tokens import SessionClaims
from services.common.staff_confirmation import TEACHER_ROLE
from services.common.validation import parse

_log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class RouteSpec:
    """What a route takes and answers; read by the handler wrapper and by the OpenAPI builder."""

    method: str
    rule: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
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
    def client_ip(self) -> str | None:
        forwarded = self.request.headers.get("X-Forwarded-For")
        return forwarded.split(",")[0].strip() if forwarded else self.request.remote_addr

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


def security_headers(response: Response) -> None:
    """The headers every answer carries (a route may have set a stricter ``Referrer-Policy``)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)


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


def read_json(request: Request) -> Any:
    """The request's JSON body; 400 ``MALFORMED_JSON`` when it does not parse."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("MALFORMED_JSON", "Le corps de la requête n'est pas un JSON valide.", 400) from None


def route(method: str, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare an HTTP route of the gateway (``options`` are ``RouteSpec``'s fields).

    The handler is ``fn(self, call)``; it returns a JSON-friendly payload (answered with
    ``status``), a ``(status, payload)`` pair, or a werkzeug ``Response`` when ``raw``.
    """
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
    except Exception:
        _log.exception("unexpected error on %s %s", spec.method, spec.rule, extra={"request_id": call.request_id})
        unexpected = DomainError("INTERNAL_ERROR", "Une erreur inattendue s'est produite. Réessayez plus tard.", 500)
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
