"""Who may read ``/metrics``: what it shows (routes, volumes, errors, dead letters) is for the
platform's operators, not the public."""

from __future__ import annotations

import hmac
import ipaddress
import os

from werkzeug.wrappers import Request

from gateway.auth import bearer_token
from gateway.client_address import client_address
from services.common.errors import forbidden, unauthenticated


def metrics_access(request: Request) -> None:
    """Raise unless the caller may read ``/metrics``: the bearer ``METRICS_TOKEN`` when one is
    configured, else a client on the gateway's own machine (a scraper beside it)."""
    expected = os.environ.get("METRICS_TOKEN")
    if expected:
        given = bearer_token(request) or ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise unauthenticated("Les métriques demandent l'en-tête « Authorization: Bearer <METRICS_TOKEN> ».")
        return
    address = client_address(request)
    try:
        local = address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        local = False
    if not local:
        raise forbidden("Les métriques ne sont servies qu'en local, ou avec le jeton METRICS_TOKEN.")
