"""Known devices: a browser or client where an account logged in successfully before.

Ten wrong passwords for an address throttle it, so that nobody can guess a password; but
then anyone could lock anyone out by typing wrong passwords. A successful login therefore
hands the client a device token (kept by the gateway in the long-lived ``e1s_device``
cookie): ``<user id>.<random nonce>.<HMAC of both with the platform's secret>``. A login
presenting a valid device token of the account it names is not held back by the account's
throttling nor by its client address' (its own failures are throttled by device instead),
so the owner still logs in from their usual device while someone else hammers the address.
Nothing is stored: the signature is the proof, and the right password is still required.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def _signature(key: str, user_id: int, nonce: str) -> str:
    return hmac.new(key.encode(), f"device:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()


def new_device_token(key: str, user_id: int) -> str:
    """A device token binding a fresh random nonce to ``user_id``."""
    nonce = secrets.token_urlsafe(16)
    return f"{user_id}.{nonce}.{_signature(key, user_id, nonce)}"


def known_device(key: str, token: str | None, user_id: int) -> str | None:
    """The device's nonce when ``token`` is a device token of ``user_id`` signed with ``key``, else None."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != str(user_id) or not parts[1]:
        return None
    if not hmac.compare_digest(_signature(key, user_id, parts[1]), parts[2]):
        return None
    return parts[1]
