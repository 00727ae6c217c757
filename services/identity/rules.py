"""Identity rules, free of storage and messaging: token lifetimes, login throttling, the rate
limits of the routes open to anyone, and the partner API's rate limit."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.digests import token_digest

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


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` counted events per fixed window of ``window_seconds`` for one subject
    (an email address, a client address, a device); ``name`` keys the counter."""

    name: str
    limit: int
    window_seconds: int


# Routes open to anyone, counted by account (the email address named) and by client address.
# By account, low: nobody legitimately asks for more, and each may send an email to that
# inbox. By address, high: a school's pupils sign up together behind one address.
SIGNUP_PER_EMAIL = RateLimit("signup:email", 3, 3600)
SIGNUP_PER_ADDRESS = RateLimit("signup:address", 100, 3600)
RESET_PER_EMAIL = RateLimit("reset:email", 3, 900)
RESET_PER_ADDRESS = RateLimit("reset:address", 30, 900)
RESEND_PER_EMAIL = RateLimit("resend:email", 3, 900)
RESEND_PER_ADDRESS = RateLimit("resend:address", 30, 900)
# Emailed tokens (confirmation, password reset) unknown or already used, tried from one client
# address: far above a person's mistakes, and guessing a 256-bit token was hopeless anyway.
TOKEN_FAILURES_PER_ADDRESS = RateLimit("token-failures:address", 30, 900)
# Wrong passwords: a client address trying many accounts, and a known device (which the
# account's own lock lets through) trying one.
LOGIN_FAILURES_PER_ADDRESS = RateLimit("login-failures:address", 50, int(LOGIN_WINDOW.total_seconds()))
LOGIN_FAILURES_PER_DEVICE = RateLimit("login-failures:device", LOGIN_MAX_FAILURES, int(LOGIN_WINDOW.total_seconds()))


def fixed_window(now: datetime, window_seconds: int) -> tuple[int, int]:
    """The fixed window of ``window_seconds`` that ``now`` falls in (windows start at multiples
    of ``window_seconds`` of the Unix clock, so every replica agrees), and the whole seconds
    left until it ends, never 0."""
    epoch = now.timestamp()
    window = int(epoch // window_seconds)
    left = (window + 1) * window_seconds - epoch
    return window, max(1, math.ceil(left))


def rate_key(limit: RateLimit, subject: str) -> str:
    """The counter's key: the limit's name and a digest of the subject, so that the table
    holds neither addresses nor emails."""
    return f"{limit.name}:{hashlib.sha256(subject.encode()).hexdigest()[:40]}"


def over_limit(count: int, limit: RateLimit, seconds_left: int) -> int | None:
    """None while ``count`` stays within ``limit``, else the seconds to wait (``Retry-After``)."""
    return seconds_left if count > limit.limit else None


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
    return fixed_window(now, PARTNER_WINDOW_SECONDS)


def partner_retry_after(calls: int, seconds_left: int) -> int | None:
    """None while ``calls`` (this one included) stays within the window's limit, else the
    seconds to wait for the next window (the ``Retry-After`` of the 429)."""
    if calls <= PARTNER_CALLS_PER_WINDOW:
        return None
    return seconds_left
