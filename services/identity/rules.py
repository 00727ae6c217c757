"""Identity rules, free of storage and messaging: token lifetimes, login throttling and the
partner API's rate limit."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

CONFIRMATION_TTL = timedelta(hours=48)
PASSWORD_RESET_TTL = timedelta(hours=1)
SESSION_TTL = timedelta(hours=24)

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 10

DEFAULT_SPACE_NAME = "Espace principal"

# Partner API v2: calls an operator may make per window (the national platform's limit).
PARTNER_CALLS_PER_WINDOW = 100
PARTNER_WINDOW_SECONDS = 60
# Bytes of randomness of a generated operator password (32 URL-safe characters).
OPERATOR_PASSWORD_BYTES = 24


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


def new_operator_password() -> str:
    """A strong random password for a new operator account, shown once to whoever creates it."""
    return secrets.token_urlsafe(OPERATOR_PASSWORD_BYTES)


def partner_window(now: datetime) -> tuple[int, int]:
    """The fixed window ``now`` falls in, and the whole seconds left until it ends.

    Windows are whole minutes of the Unix clock (``:00`` to ``:59``), as on the national
    platform: every gateway and identity replica agrees on the window without talking to
    the others. A fixed window lets a client make up to twice the limit across a minute
    boundary; that is the national platform's behaviour, kept for compatibility.
    """
    epoch = now.timestamp()
    window = int(epoch // PARTNER_WINDOW_SECONDS)
    left = (window + 1) * PARTNER_WINDOW_SECONDS - epoch
    return window, max(1, math.ceil(left))


def partner_retry_after(calls: int, seconds_left: int) -> int | None:
    """None while ``calls`` (this one included) stays within the window's limit, else the
    seconds to wait for the next window (the ``Retry-After`` of the 429)."""
    if calls <= PARTNER_CALLS_PER_WINDOW:
        return None
    return seconds_left
