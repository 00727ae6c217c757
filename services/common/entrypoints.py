"""Entrypoints every service has, and the one ``@rpc`` every service declares its methods with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.rpc import rpc as nameko_rpc

from services.common.errors import DomainError

EXPECTED_EXCEPTIONS: tuple[type[Exception], ...] = (DomainError,)
"""What an RPC method raises on purpose: nameko neither logs it as an error nor counts it as a
failure of the service, and the caller re-raises it with its type (``services.common.errors``)."""


def rpc(fn: Callable[..., Any] | None = None, *, sensitive_arguments: tuple[str, ...] = ()) -> Any:
    """nameko's ``@rpc`` with ``expected_exceptions=EXPECTED_EXCEPTIONS``, bare or called.

    nameko's own ``@rpc`` drops keyword arguments when used bare, hence a function rather than
    a ``functools.partial``. ``tests/unit/test_entrypoints.py`` fails on any RPC declared without it.
    """
    decorator = nameko_rpc(expected_exceptions=EXPECTED_EXCEPTIONS, sensitive_arguments=sensitive_arguments)
    return decorator if fn is None else decorator(fn)


class Pingable:
    """Mixed into every service: ``ping`` is what readiness checks and probes call."""

    @rpc
    def ping(self) -> str:
        return "pong"
