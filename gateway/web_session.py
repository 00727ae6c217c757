"""The browser's session: an HttpOnly cookie holding the session token, and CSRF tokens.

A browser never sees its session token from script: the token identity issues at login is
kept in the ``e1s_session`` cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure`` behind
HTTPS). Every page form and every page's ``fetch`` carries a CSRF token derived from a
second random cookie (``e1s_csrf``) with the platform's secret, so a request forged by
another site (which can make the browser send the cookies, but cannot read them) is refused.
API clients keep sending ``Authorization: Bearer``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime

from werkzeug.wrappers import Request, Response

from services.common.errors import DomainError

SESSION_COOKIE = "e1s_session"
CSRF_COOKIE = "e1s_csrf"
# The device token of identity's ``devices``: a known device logs in while its account is throttled.
DEVICE_COOKIE = "e1s_device"
DEVICE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The CSRF cookie outlives sessions: a form opened before logging in still posts after it.
CSRF_COOKIE_MAX_AGE = 60 * 60 * 24 * 30


def secure_cookies() -> bool:
    """``Secure`` cookies when the platform is served over HTTPS (``SESSION_COOKIE_SECURE`` overrides)."""
    setting = os.environ.get("SESSION_COOKIE_SECURE")
    if setting is not None:
        return setting.strip().lower() in {"1", "true", "yes", "on"}
    return os.environ.get("PUBLIC_URL", "").startswith("https://")


def set_private_cookie(response: Response, name: str, value: str, max_age: int | None, path: str = "/") -> None:
    """Set a cookie as the platform sets all of its own: out of scripts' reach (``HttpOnly``),
    not sent by other sites' forms (``SameSite=Lax``), ``Secure`` behind HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path=path, secure=secure_cookies(), httponly=True, samesite="Lax")


def session_token(request: Request) -> str | None:
    """The session token the browser's cookie holds, if any."""
    return request.cookies.get(SESSION_COOKIE) or None


def keep_session(response: Response, token: str, expires_at: datetime | None = None) -> None:
    """Store ``token`` in the browser's session cookie (until the token itself expires)."""
    max_age = None
    if expires_at is not None:
        max_age = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    set_private_cookie(response, SESSION_COOKIE, token, max_age)


def end_session(response: Response) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure_cookies(), httponly=True, samesite="Lax")


def device_token(request: Request) -> str | None:
    """The device token the client's cookie holds, if any."""
    return request.cookies.get(DEVICE_COOKIE) or None


def keep_device(response: Response, token: str) -> None:
    """Store the device token identity hands out at login (a year; renewed at each login)."""
    set_private_cookie(response, DEVICE_COOKIE, token, DEVICE_COOKIE_MAX_AGE)


class CsrfGuard:
    """CSRF tokens bound to the browser's ``e1s_csrf`` cookie by an HMAC with the secret key."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def _token_for(self, cookie: str) -> str:
        return hmac.new(self._key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()

    def browser_secret(self, request: Request) -> tuple[str, bool]:
        """The browser's CSRF cookie value, and whether it is new (to be set on the answer)."""
        cookie = request.cookies.get(CSRF_COOKIE)
        if cookie and 20 <= len(cookie) <= 100:
            return cookie, False
        return secrets.token_urlsafe(32), True

    def token(self, cookie: str) -> str:
        """The token pages put in their forms and their ``X-CSRF-Token`` header."""
        return self._token_for(cookie)

    def is_valid(self, request: Request, submitted: str | None) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE)
        if not cookie or not submitted:
            return False
        return hmac.compare_digest(self._token_for(cookie), submitted)

    def check(self, request: Request, submitted: str | None) -> None:
        """403 ``CSRF_FAILED`` unless ``submitted`` is the token of this browser's cookie."""
        if not self.is_valid(request, submitted):
            raise DomainError(
                "CSRF_FAILED",
                "Ce formulaire a expiré ou ne vient pas de ce site : rechargez la page et recommencez.",
            )


def remember_browser(response: Response, cookie: str) -> None:
    """Set the CSRF cookie the page's tokens were made from."""
    set_private_cookie(response, CSRF_COOKIE, cookie, CSRF_COOKIE_MAX_AGE)
