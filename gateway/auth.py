"""Session authentication checked in the gateway, without a round-trip per request.

A session token is a JWT signed by identity, sent by API clients as a bearer token and by
browsers in the session cookie (``gateway/web_session.py``; a cookie-authenticated call that
changes anything must carry the page's CSRF token). Revoked sessions are known here from
identity's list, fetched once, and then from ``session_revoked`` events broadcast to every
gateway.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

from gateway.web_session import CSRF_HEADER, SAFE_METHODS, CsrfGuard, session_token
from services.common import session_tokens
from services.common.config import secret_key
from services.common.errors import unauthenticated
from services.common.session_tokens import SessionClaims


class RevocationList:
    """Session ids that must be refused; complete once identity's list has been loaded."""

    def __init__(self) -> None:
        self._revoked: set[str] = set()
        self._loaded = False
        self._lock = threading.Lock()

    def add(self, session_id: str) -> None:
        self._revoked.add(session_id)

    def __contains__(self, session_id: str) -> bool:
        return session_id in self._revoked

    def ensure_loaded(self, fetch: Any) -> None:
        """Load identity's list on first use (``fetch`` is its RPC); events keep it current."""
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                self._revoked.update(fetch())
                self._loaded = True


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class VerifiedTokens:
    """Tokens whose signature was already checked, with their claims (bounded, oldest out).

    Checking an HS256 signature costs more than the rest of a request's handling in the
    gateway; a token is re-used for every call of a session. Expiry and revocation are still
    checked on every request.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._claims: OrderedDict[str, SessionClaims] = OrderedDict()

    def claims(self, key: str, token: str) -> SessionClaims:
        claims = self._claims.get(token)
        if claims is None:
            claims = session_tokens.read(key, token)
            self._claims[token] = claims
            if len(self._claims) > self.capacity:
                self._claims.popitem(last=False)
        elif claims.expires_at <= datetime.now(UTC):
            del self._claims[token]
            return session_tokens.read(key, token)  # raises the expiry error
        return claims


class Authenticator(DependencyProvider):
    """Gives workers ``authenticate(request, fetch_revoked)`` and ``revoke(session_id)``."""

    def setup(self) -> None:
        self.key = secret_key()
        self.revocations = RevocationList()
        self.verified = VerifiedTokens()
        self.csrf = CsrfGuard(self.key)

    def get_dependency(self, worker_ctx: Any) -> Authenticator:
        return self

    def has_credentials(self, request: Request) -> bool:
        """Whether the request names a session (bearer token or browser cookie)."""
        return "Authorization" in request.headers or session_token(request) is not None

    def authenticate(self, request: Request, fetch_revoked: Any) -> SessionClaims:
        """The caller's claims, or a 401 DomainError (403 for a browser call without its CSRF token)."""
        token = bearer_token(request)
        if token is None:
            token = session_token(request)
            if token is None:
                raise unauthenticated("Authentification requise : en-tête « Authorization: Bearer <jeton> ».")
            if request.method not in SAFE_METHODS:
                self.csrf.check(request, request.headers.get(CSRF_HEADER))
        return self.session_claims(token, fetch_revoked)

    def session_claims(self, token: str, fetch_revoked: Any) -> SessionClaims:
        """The claims of a session token still valid and not revoked, or a 401 DomainError."""
        claims = self.verified.claims(self.key, token)
        self.revocations.ensure_loaded(fetch_revoked)
        if claims.session_id in self.revocations:
            raise unauthenticated("Cette session est terminée : reconnectez-vous.", "SESSION_REVOKED")
        return claims

    def revoke(self, session_id: str) -> None:
        self.revocations.add(session_id)
