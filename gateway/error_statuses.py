"""The HTTP status of each domain error code: the one place where errors meet HTTP.

Services raise ``DomainError(code, message, ...)`` and know nothing of HTTP; the API's
routes, the web pages and the partner API v2 all answer through ``status_of``. A code
raised anywhere must be listed here (``tests/unit/test_error_statuses.py`` reads every
code the sources raise), so a new refusal never answers a status by chance.
"""

from __future__ import annotations

import logging
from types import MappingProxyType

from services.common.errors import DomainError

_log = logging.getLogger(__name__)

UNKNOWN_CODE_STATUS = 400
"""A code missing from the table is still a refusal the caller caused (a ``DomainError``), so a
4xx; the test above keeps the table whole, and the log names the code should one slip through."""

STATUS_BY_CODE: MappingProxyType[str, int] = MappingProxyType(
    {
        # 400: the request itself cannot be read
        "BAD_REQUEST": 400,
        "MALFORMED_JSON": 400,
        "INCOMPLETE_LINK": 400,
        "LINK_INCOMPLETE": 400,
        # 401: who is calling is unknown
        "UNAUTHENTICATED": 401,
        "INVALID_CREDENTIALS": 401,
        "INVALID_TOKEN": 401,
        "SESSION_EXPIRED": 401,
        "SESSION_REVOKED": 401,
        "UNAUTHORIZED": 401,  # partner API v2
        # 403: known, but not allowed
        "FORBIDDEN": 403,
        "CSRF_FAILED": 403,
        "EMAIL_NOT_CONFIRMED": 403,
        "INVITATION_NOT_FOR_YOU": 403,
        "NOT_YOUR_PART": 403,
        "TEACHER_NOT_CONFIRMED": 403,
        # 404: nothing there for this caller (another tenant's rows included)
        "NOT_FOUND": 404,
        "COMPANY_NOT_FOUND": 404,
        "METHOD_NOT_ALLOWED": 405,
        # 409: the resource's state forbids it
        "ALREADY_APPLIED": 409,
        "ALREADY_MEMBER": 409,
        "ALREADY_PUBLISHED": 409,
        "ALREADY_SIGNED": 409,
        "CONVENTION_FROZEN": 409,
        "DEFAULT_SPACE": 409,
        "EMAIL_TAKEN": 409,
        "EXTERNAL_OFFER": 409,
        "IDEMPOTENCY_KEY_REUSED": 409,
        "INVALID_TRANSITION": 409,
        "INVITATION_PENDING": 409,
        "LAST_RECIPIENT": 409,
        "NOT_A_TEACHER": 409,
        "NOT_PUBLISHED": 409,
        "NOT_READY_TO_SIGN": 409,
        "NO_SEAT_LEFT": 409,
        "OFFER_HAS_APPROVED_PUPILS": 409,
        "OWNER_CANNOT_BE_REMOVED": 409,
        "PART_ALREADY_DONE": 409,
        "PDF_IN_PROGRESS": 409,
        "SPACE_NAME_TAKEN": 409,
        "SPACE_NOT_EMPTY": 409,
        "DUPLICATE_API": 409,  # partner API v2
        "API_ALREADY_DESTROYED": 409,  # partner API v2
        # 410: it was there, it is spent
        "TOKEN_EXPIRED": 410,
        "INVITATION_EXPIRED": 410,
        "CODE_EXPIRED": 410,
        "CODE_ALREADY_USED": 410,
        "PAYLOAD_TOO_LARGE": 413,
        "UNSUPPORTED_MEDIA_TYPE": 415,
        # 422: readable, but a value is wrong (v2 answers its VALIDATION_ERROR 400: gateway/errors.py)
        "VALIDATION_ERROR": 422,
        "WRONG_CODE": 422,
        "BAD_PAYLOAD": 422,  # partner API v2
        "WRONG_PARAMS": 422,  # partner API v2
        "BAD_ARGUMENT": 422,  # partner API v2
        "TOO_MANY_ATTEMPTS": 423,
        # 429: too many, come back after Retry-After
        "RATE_LIMITED": 429,
        "TOO_MANY_REQUESTS": 429,  # partner API v2
        # 5xx: the platform's side
        "INTERNAL_ERROR": 500,
        "SERVICE_UNAVAILABLE": 503,
        "PDF_UNAVAILABLE": 503,
    }
)


def status_of(error: DomainError) -> int:
    """The HTTP status answering ``error``."""
    status = STATUS_BY_CODE.get(error.code)
    if status is None:
        _log.error("domain error code %s has no HTTP status in gateway/error_statuses.py", error.code)
        return UNKNOWN_CODE_STATUS
    return status


def is_server_side(error: DomainError) -> bool:
    """Whether ``error`` is the platform's fault (5xx), not the caller's."""
    return status_of(error) >= 500
