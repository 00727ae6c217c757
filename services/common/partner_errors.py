"""Errors of the partner API v2, as the national platform names them.

Each helper returns a ``DomainError`` to raise, in a service or in the gateway; on a v2 route
the gateway renders it ``{"code": ..., "error": ...}`` (``gateway/errors.py``): ``error`` is
the fields dict for ``VALIDATION_ERROR``, the message otherwise. Default messages are the
national platform's own (English) texts from its documented samples, which existing
partner clients may display or match.
"""

from __future__ import annotations

from services.common.errors import DomainError

UNAUTHORIZED_MESSAGE = "wrong api token"
# The national platform's answer to a bad email or password at /api/v2/auth/login.
INVALID_CREDENTIALS_MESSAGE = "Invalid email or password"
TOO_MANY_REQUESTS_MESSAGE = "Trop de requêtes - Limite d'utilisation de l'API dépassée."
FORBIDDEN_MESSAGE = "You are not authorized to access this page."
BAD_PAYLOAD_MESSAGE = "param is missing or the value is empty or invalid: internship_offer"


def validation_error(fields: dict[str, list[str]]) -> DomainError:
    """400 ``VALIDATION_ERROR``: ``{"field": ["message", ...]}``."""
    return DomainError("VALIDATION_ERROR", "Invalid fields: " + ", ".join(sorted(fields)), fields)


def unauthorized(message: str = UNAUTHORIZED_MESSAGE) -> DomainError:
    """401 ``UNAUTHORIZED``: no token, a bad or expired one, or not an operator's."""
    return DomainError("UNAUTHORIZED", message)


def forbidden(message: str = FORBIDDEN_MESSAGE) -> DomainError:
    """403 ``FORBIDDEN``: the resource belongs to another operator."""
    return DomainError("FORBIDDEN", message)


def not_found(message: str) -> DomainError:
    """404 ``NOT_FOUND``, e.g. "can't find internship_offer with this remote_id"."""
    return DomainError("NOT_FOUND", message)


def duplicate_api(message: str) -> DomainError:
    """409 ``DUPLICATE_API``, e.g. "api with this remote_id (2) already exists"."""
    return DomainError("DUPLICATE_API", message)


def api_already_destroyed(message: str = "api already destroyed") -> DomainError:
    """409 ``API_ALREADY_DESTROYED``: the offer was deleted already."""
    return DomainError("API_ALREADY_DESTROYED", message)


def bad_payload(message: str = BAD_PAYLOAD_MESSAGE) -> DomainError:
    """422 ``BAD_PAYLOAD``: the body is missing, not JSON, or lacks its root key."""
    return DomainError("BAD_PAYLOAD", message)


def wrong_params(message: str) -> DomainError:
    """422 ``WRONG_PARAMS``: fields valid one by one that do not go together (grades, weeks)."""
    return DomainError("WRONG_PARAMS", message)


def bad_argument(message: str) -> DomainError:
    """422 ``BAD_ARGUMENT``: a value in the wrong format, e.g. "bad week format: ..."."""
    return DomainError("BAD_ARGUMENT", message)


def too_many_requests(retry_after: int) -> DomainError:
    """429: the operator's calls of this minute are spent (rendered without a code, as the
    national platform answers)."""
    return DomainError("TOO_MANY_REQUESTS", TOO_MANY_REQUESTS_MESSAGE, retry_after=max(1, int(retry_after)))
