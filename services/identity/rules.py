"""Identity rules, free of storage and messaging: token lifetimes and login throttling."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

CONFIRMATION_TTL = timedelta(hours=48)
PASSWORD_RESET_TTL = timedelta(hours=1)
SESSION_TTL = timedelta(hours=24)

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 10

DEFAULT_SPACE_NAME = "Espace principal"


def new_token() -> tuple[str, str]:
    """A random URL-safe token and the SHA-256 that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def login_retry_after(failures: Sequence[datetime], now: datetime) -> int | None:
    """Seconds to wait before the next login try, or None when logging in is allowed.

    After ``LOGIN_MAX_FAILURES`` failures within ``LOGIN_WINDOW``, the account waits until
    the oldest of those failures leaves the window.
    """
    recent = sorted(at for at in failures if now - at < LOGIN_WINDOW)
    if len(recent) < LOGIN_MAX_FAILURES:
        return None
    oldest_counted = recent[-LOGIN_MAX_FAILURES]
    return max(1, int((oldest_counted + LOGIN_WINDOW - now).total_seconds()) + 1)
