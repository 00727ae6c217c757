"""The pages as a browser without JavaScript uses them: cookies kept, forms posted with the
CSRF token the page gave, redirects seen.

For HTTP-level page tests and benchmarks (plain ``requests``: importable under eventlet)::

    browser = PageSession(stack.url)
    browser.log_in("employeur@demo.1e1s.fr", "demo-stage-2026")
    answer = browser.get("/mon-espace/offres")
    answer = browser.post_form("/mon-espace/offres/nouvelle", {"title": "…"})
"""

from __future__ import annotations

import contextlib
import re
from html import unescape
from typing import Any

import requests

SESSION_COOKIE = "e1s_session"
CSRF_FIELD = "csrf_token"
_META_TOKEN = re.compile(r'<meta\s+name="csrf-token"\s+content="([^"]*)"')
_FIELD_TOKEN = re.compile(r'<input[^>]*\sname="csrf_token"[^>]*\svalue="([^"]*)"')


class PageError(AssertionError):
    """A page did not answer as a browser user would expect (wrong status, no token, refused login)."""


def csrf_token_in(html: str) -> str:
    """The CSRF token a page gives its forms (``<meta name="csrf-token">`` or a form's field)."""
    match = _META_TOKEN.search(html) or _FIELD_TOKEN.search(html)
    if match is None:
        raise PageError("no CSRF token in the page")
    return unescape(match.group(1))


class PageSession:
    """One browser's cookies on the platform at ``base_url``."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self._token: str | None = None

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def get(self, path: str, follow: bool = True, **kwargs: Any) -> requests.Response:
        """GET a page (following redirects unless ``follow=False``); remembers its CSRF token."""
        answer = self.http.get(self.url(path), allow_redirects=follow, timeout=self.timeout, **kwargs)
        # A page without the layout (the router's 404) gives none: the previous token stays.
        if answer.headers.get("Content-Type", "").startswith("text/html"):
            with contextlib.suppress(PageError):
                self._token = csrf_token_in(answer.text)
        return answer

    def csrf_token(self) -> str:
        """The token of this browser's CSRF cookie (from the last page seen, or the home page)."""
        if self._token is None:
            self.get("/")
        if self._token is None:
            raise PageError("the home page gave no CSRF token")
        return self._token

    def post_form(
        self, path: str, data: dict[str, Any] | list[tuple[str, Any]], follow: bool = False
    ) -> requests.Response:
        """POST a form as its page would (with the CSRF token); redirects are not followed by default."""
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        fields.append((CSRF_FIELD, self.csrf_token()))
        return self.http.post(self.url(path), data=fields, allow_redirects=follow, timeout=self.timeout)

    @property
    def logged_in(self) -> bool:
        return SESSION_COOKIE in self.http.cookies

    def log_in(self, email: str, password: str, path: str = "/connexion") -> str:
        """Log in through the page form; the page it sends to. Raises ``PageError`` when refused."""
        page = self.get(path)
        if page.status_code != 200:
            raise PageError(f"GET {path} answered {page.status_code}")
        answer = self.post_form(path, {"email": email, "password": password})
        if answer.status_code != 303 or not self.logged_in:
            raise PageError(f"login as {email} refused: {answer.status_code} {answer.text[:300]}")
        return str(answer.headers["Location"])

    def log_out(self) -> requests.Response:
        """« Se déconnecter »."""
        return self.post_form("/deconnexion", {})
