"""Error bodies of the two API generations, rendered from one typed ``DomainError``.

- ``v1`` (API.md, "Errors (v1)"): ``{"code", "message", "fields"?}`` with the error's status.
- ``v2`` (the national partner API): ``{"code", "error"}``; ``error`` is the fields dict for
  ``VALIDATION_ERROR``, answered 400 as the national platform does (v1 answers 422), and
  the message otherwise; a 429 is the national platform's body, which has no code.

Services raise one kind of error whichever API calls them; the route picks the format.
"""

from __future__ import annotations

from typing import Any, Literal

from gateway.error_statuses import status_of
from services.common import partner_errors
from services.common.errors import DomainError

ErrorFormat = Literal["v1", "v2"]

# Errors of the gateway's own body parsing (routing.read_json, validation.parse), in v2 terms.
_V2_BAD_PAYLOAD = ("MALFORMED_JSON", "BAD_REQUEST")


def render(exc: DomainError, error_format: ErrorFormat = "v1") -> tuple[int, dict[str, Any]]:
    """The status and JSON body answering ``exc`` on a route of ``error_format``."""
    if error_format == "v1":
        return status_of(exc), exc.to_body()
    if status_of(exc) == 429:
        return 429, {"error": partner_errors.TOO_MANY_REQUESTS_MESSAGE}
    if exc.code == "VALIDATION_ERROR":
        return 400, {"code": exc.code, "error": exc.fields or {}}
    if exc.code in _V2_BAD_PAYLOAD:
        return 422, {"code": "BAD_PAYLOAD", "error": exc.message}
    return status_of(exc), {"code": exc.code, "error": exc.message}
