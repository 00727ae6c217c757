"""The 6-digit codes that prove a signatory holds the phone: made, kept and checked safely.

A code comes from the operating system's cryptographic generator and is kept only as an
HMAC keyed with the platform's secret and bound to its request: a leaked table gives no
code back (a plain hash of six digits would be reversed in a millisecond).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.errors import DomainError

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_CODES = 5
REQUESTS_PER_WINDOW = 3
REQUEST_WINDOW = timedelta(minutes=15)
# Codes asked from one client address in a window, whatever the signatory: above what a
# school's office or a family asks, below what a script walking through links would need.
ADDRESS_REQUESTS_PER_WINDOW = 10


def new_code() -> str:
    """Six random digits, leading zeros kept."""
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(secret: str, request_id: str, code: str) -> str:
    """The stored form of ``code`` for the request ``request_id``."""
    return hmac.new(secret.encode(), f"{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(secret: str, request_id: str, code: str, stored: str) -> bool:
    """Whether ``code`` is the request's code (constant-time comparison)."""
    return hmac.compare_digest(code_hash(secret, request_id, code), stored)


def grouped(code: str) -> str:
    """``"123456"`` → ``"123 456"``: easier to read in an SMS."""
    return f"{code[:3]} {code[3:]}"


def sms_text(code: str, count: int) -> str:
    """The SMS carrying a code (API.md: it says "code" and shows the six digits)."""
    what = "la convention" if count == 1 else f"les {count} conventions"
    return (
        f"1 élève 1 stage : votre code de signature pour {what} est {grouped(code)}. "
        "Il est valable 10 minutes. Ne le communiquez à personne."
    )


@dataclass(frozen=True)
class Throttle:
    """Whether a signatory may receive another code now, and else in how many seconds."""

    allowed: bool
    retry_after: int = 0


def throttle(sent_at: list[datetime], now: datetime, limit: int = REQUESTS_PER_WINDOW) -> Throttle:
    """At most ``limit`` codes in any ``REQUEST_WINDOW``: ``REQUESTS_PER_WINDOW`` per
    signatory, ``ADDRESS_REQUESTS_PER_WINDOW`` per client address.

    With ``MAX_WRONG_CODES`` tries per code, that bounds guessing to 15 tries a quarter
    of an hour: one chance in 66,000 to find a code.
    """
    recent = sorted(moment for moment in sent_at if moment > now - REQUEST_WINDOW)
    if len(recent) < limit:
        return Throttle(True)
    frees_at = recent[len(recent) - limit] + REQUEST_WINDOW
    return Throttle(False, max(1, int((frees_at - now).total_seconds()) + 1))


def locked() -> DomainError:
    """423: five wrong codes lock the request for good (asking again does not reset it)."""
    return DomainError(
        "TOO_MANY_ATTEMPTS",
        "Trop de codes erronés : cette demande de signature est bloquée. Demandez un nouveau code dans 10 minutes.",
    )


def already_used() -> DomainError:
    """410: a code signs once."""
    return DomainError("CODE_ALREADY_USED", "Ce code a déjà servi : demandez-en un nouveau.")


def request_problem(used_at: datetime | None, attempts: int, expires_at: datetime, now: datetime) -> DomainError | None:
    """Why a code can no longer be tried on this request, or None: used (410), locked (423),
    expired (410), checked in that order."""
    if used_at is not None:
        return already_used()
    if attempts >= MAX_WRONG_CODES:
        return locked()
    if expires_at <= now:
        return DomainError("CODE_EXPIRED", "Ce code a expiré (10 minutes) : demandez-en un nouveau.")
    return None


def wrong_code(attempts: int) -> DomainError:
    """422 after the ``attempts``-th wrong code, saying how many tries are left."""
    left = MAX_WRONG_CODES - attempts
    if left <= 0:
        message = "Code erroné. Cette demande de signature est maintenant bloquée : demandez un nouveau code."
    else:
        message = f"Code erroné. Il vous reste {left} essai{'s' if left > 1 else ''}."
    return DomainError("WRONG_CODE", message, {"code": [message]})
