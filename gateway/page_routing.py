"""Server-rendered pages: one decorator gives a page its session, CSRF check, rendering and errors.

A page is a thin route that calls the services over RPC exactly as the JSON routes do (same
actor, same typed errors), then renders a Jinja2 template of ``gateway/templates``. Forms
post back to the page itself (``application/x-www-form-urlencoded``): every form works
without JavaScript; a refused form is shown again with what was typed and the API's French
messages at their fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from gateway import web_session
from gateway.error_statuses import status_of
from gateway.routing import Call, check_path_ids, route
from gateway.unexpected_errors import unexpected_error
from gateway.web_session import CSRF_FIELD, SAFE_METHODS
from services.common.errors import DEFAULT_VALIDATION_MESSAGE, DomainError
from services.common.session_tokens import SessionClaims

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
FLASH_COOKIE = "e1s_flash"
FORM_SUMMARY = "Le formulaire contient des erreurs : corrigez les champs signalés."

templates = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

ROLE_HOME = {
    "employer": "/mon-espace/offres",
    "student": "/mes-candidatures",
    "school_manager": "/etablissement/eleves",
    "teacher": "/etablissement/eleves",
    "admin": "/statistiques",
}
ROLE_NAMES = {
    "employer": "aux structures d'accueil (offreurs)",
    "student": "aux élèves",
    "school_manager": "aux établissements",
    "teacher": "aux établissements",
    "admin": "aux administrateurs de la plateforme",
}


class FormErrors(dict[str, list[str]]):
    """Messages by field path (``employer.siret``), and a summary message for the page."""

    def __init__(self, message: str = "", fields: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(fields or {})
        self.message = message

    @classmethod
    def of(cls, exc: DomainError) -> FormErrors:
        """The API's refusal as the form shows it: field messages, and a French summary sentence
        (the API's default one names fields by their paths, which a person does not know)."""
        if exc.fields and exc.message.startswith(DEFAULT_VALIDATION_MESSAGE):
            return cls(FORM_SUMMARY, exc.fields)
        return cls(exc.message, exc.fields or {})

    def add(self, path: str, message: str) -> None:
        self.setdefault(path, []).append(message)
        if not self.message:
            self.message = FORM_SUMMARY

    def __bool__(self) -> bool:
        return bool(self.message) or bool(len(self))


@dataclass
class Page:
    """One request to a page, as its handler sees it."""

    call: Call
    service: Any
    csrf_token: str
    user: SessionClaims | None
    flash: dict[str, str] | None = None
    _cookies: list[Callable[[Response], None]] = field(default_factory=list)

    @property
    def request(self) -> Any:
        return self.call.request

    @property
    def method(self) -> str:
        return str(self.request.method)

    @property
    def form(self) -> MultiDict[str, str]:
        return self.request.form

    @property
    def args(self) -> MultiDict[str, str]:
        return self.request.args

    @property
    def actor(self) -> dict[str, Any] | None:
        self.call.user = self.user
        return self.call.actor

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        """The page ``template`` rendered with the layout's context (user, CSRF token, flash)."""
        html = templates.get_template(template).render(
            user=self.user,
            csrf_token=self.csrf_token,
            flash=self.flash,
            current_path=self.request.path,
            # A teacher whom the head of school has not confirmed yet reads why on every page.
            awaiting_head=self.user is not None
            and self.user.role == "teacher"
            and (self.actor or {}).get("school_confirmed") is False,
            **context,
        )
        response = Response(html, status=status, content_type="text/html; charset=utf-8")
        if self.flash:
            response.delete_cookie(FLASH_COOKIE, path="/")  # shown once
        return self.finish(response)

    def redirect(self, location: str, flash: str | None = None, kind: str = "success") -> Response:
        """303 to ``location`` (after a form: the browser then GETs it), with a message to show there."""
        response = Response(status=303, headers={"Location": location})
        if flash:
            value = quote(json.dumps({"kind": kind, "text": flash}, ensure_ascii=False))
            web_session.set_private_cookie(response, FLASH_COOKIE, value, max_age=60)
        return self.finish(response)

    def on_response(self, action: Callable[[Response], None]) -> None:
        """Run ``action`` on the answer (set or clear a cookie)."""
        self._cookies.append(action)

    def finish(self, response: Response) -> Response:
        for action in self._cookies:
            action(response)
        return response


def _flash(request: Any) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = json.loads(unquote(raw))
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        return None
    kind = value.get("kind") if value.get("kind") in {"success", "info", "warning", "error"} else "info"
    return {"kind": kind, "text": value["text"][:500]}


def safe_next(target: str | None, default: str) -> str:
    """A local path to go to after logging in (never another site)."""
    # Browsers drop tabs and newlines from a URL: "/<TAB>/evil" would become "//evil", another site.
    if not target or any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in target):
        return default
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def page(
    methods: str,
    rule: str,
    summary: str,
    *,
    roles: tuple[str, ...] | None = None,
    login_path: str = "/connexion",
    referrer_policy: str | None = None,
) -> Callable[[Callable[..., Response]], Any]:
    """Declare a page. ``roles``: only these roles, logged in (others are sent to log in).

    The handler is ``fn(self, page: Page) -> Response``; a ``DomainError`` it lets through is
    shown as an error page with its status and French message.
    """

    def decorate(handler: Callable[..., Response]) -> Any:
        def serve(service: Any, call: Call) -> Response:
            request = call.request
            guard = service.auth.csrf
            browser_secret, new_secret = guard.browser_secret(request)
            user = _browser_user(service, request)
            current = Page(call, service, guard.token(browser_secret), user, _flash(request))
            if new_secret:
                current.on_response(lambda response: web_session.remember_browser(response, browser_secret))
            if user is None and web_session.session_token(request):
                current.on_response(web_session.end_session)
            try:
                check_path_ids(call.path)
                if request.method not in SAFE_METHODS:
                    guard.check(request, request.form.get(CSRF_FIELD))
                if roles is not None:
                    if user is None:
                        target = request.full_path.rstrip("?") if request.method == "GET" else request.path
                        return current.redirect(f"{login_path}?suite={quote(target, safe='/')}")
                    if user.role not in roles:
                        raise DomainError(
                            "FORBIDDEN", f"Cette page est réservée {ROLE_NAMES.get(roles[0], '')}.".strip()
                        )
                response = handler(service, current)
            except Exception as exc:
                error = (
                    exc
                    if isinstance(exc, DomainError)
                    else unexpected_error(exc, f"page {rule}", call.request_id, "Une erreur inattendue s'est produite.")
                )
                status = status_of(error)
                response = current.render("error.html", status=status, error=error, error_status=status)
                if error.retry_after:
                    response.headers["Retry-After"] = str(error.retry_after)
            if user is not None:
                # Personal data: neither shared caches nor the browser's back-forward cache keep it.
                response.headers["Cache-Control"] = "no-store"
            if referrer_policy:
                response.headers["Referrer-Policy"] = referrer_policy
            return response

        serve.__name__ = handler.__name__
        serve.__qualname__ = handler.__qualname__
        serve.__doc__ = handler.__doc__
        return route(methods, rule, summary=summary, tag="web", auth=False, raw=True, html=True)(serve)

    return decorate


def _browser_user(service: Any, request: Any) -> SessionClaims | None:
    token = web_session.session_token(request)
    if token is None:
        return None
    try:
        return service.auth.session_claims(token, service.identity.revoked_sessions)  # type: ignore[no-any-return]
    except DomainError as exc:
        if status_of(exc) == 401:
            return None
        raise


def form_dict(form: MultiDict[str, str], *names: str) -> dict[str, str]:
    """The named fields of a submitted form, stripped (missing ones as "")."""
    return {name: (form.get(name) or "").strip() for name in names}
