"""Plumbing of the partner API v2: its route decorator, operator authentication, rate limit.

A v2 route is an ordinary ``gateway.routing.route`` with the v2 error format and its own
``authenticate``: the bearer token must be an operator's session, and every call is counted
by identity (``count_partner_call``), so the limit holds across all gateway processes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request

from gateway.error_statuses import status_of
from gateway.routing import route
from services.common import partner_errors
from services.common.contracts.identity import OPERATOR_ROLE
from services.common.errors import DomainError
from services.common.session_tokens import SessionClaims

TAG = "API partenaires v2"


def admit_operator(service: Any, request: Request) -> SessionClaims:
    """The operator calling, once this call is counted.

    401 ``UNAUTHORIZED`` "wrong api token" for a missing, forged, expired or revoked token
    and for anyone but an operator (the national platform does not say which); 429 once
    the operator's calls of the minute are spent.
    """
    try:
        claims = service.auth.authenticate(request, service.identity.revoked_sessions)
    except DomainError as exc:
        if status_of(exc) != 401:
            raise
        raise partner_errors.unauthorized() from None
    if claims.role != OPERATOR_ROLE:
        raise partner_errors.unauthorized()
    retry_after = service.identity.count_partner_call(claims.user_id)
    if retry_after is not None:
        raise partner_errors.too_many_requests(retry_after)
    return claims


def v2_route(
    method: str, rule: str, *, auth: bool = True, errors: tuple[int, ...] = (), **options: Any
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a route of the partner API v2 (``options`` as for ``routing.route``).

    Errors answer ``{"code", "error"}``; unless ``auth=False`` the caller must be an
    operator and the call counts towards its 100 calls a minute.
    """
    if auth:
        errors = (*errors, 429)
    return route(
        method,
        rule,
        tag=TAG,
        auth=auth,
        errors=errors,
        error_format="v2",
        authenticate=admit_operator if auth else None,
        **options,
    )
