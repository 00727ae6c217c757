"""The SHA-256 digests the services store instead of secrets and compare requests by.

- A one-time token (a confirmation or reset link, an invitation, a legal representative's
  link) is stored as its digest: a leaked table gives no usable link.
- An idempotent request (``Idempotency-Key``) is remembered with the digest of its body, so
  that the same key with another body is told apart from a repeat.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def token_digest(token: str) -> str:
    """The stored form of a secret token."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_digest(payload: Mapping[str, Any]) -> str:
    """The digest of a JSON-ready request body, the same whatever the order of its keys."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
