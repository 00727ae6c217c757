"""Entrypoints every service has, and the one ``@rpc`` every service declares its methods with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.rpc import Rpc, RpcConsumer

from services.common import broker
from services.common.errors import DomainError

EXPECTED_EXCEPTIONS: tuple[type[Exception], ...] = (DomainError,)
"""What an RPC method raises on purpose: nameko neither logs it as an error nor counts it as a
failure of the service, and the caller re-raises it with its type (``services.common.errors``)."""


class TypedRpcConsumer(RpcConsumer):
    """nameko's consumer of a service's RPC queue (``rpc-<service>``), declared with the type of
    ``AMQP_QUEUE_TYPE`` (``services.common.broker``). Its messages are acknowledged after the
    answer, also on error, so the queue needs no delivery limit."""

    def setup(self) -> None:
        super().setup()
        broker.with_queue_type(self.queue)


class TypedRpc(Rpc):
    """nameko's ``Rpc`` entrypoint on ``TypedRpcConsumer``: nameko shares one consumer per class,
    so every RPC of a service must use this one (``tests/unit/test_queue_types.py``), else two
    consumers would declare ``rpc-<service>`` with different arguments and the broker refuse one."""

    rpc_consumer = TypedRpcConsumer()


def rpc(fn: Callable[..., Any] | None = None, *, sensitive_arguments: tuple[str, ...] = ()) -> Any:
    """nameko's ``@rpc`` (``TypedRpc``) with ``expected_exceptions=EXPECTED_EXCEPTIONS``, bare or called.

    nameko's own ``@rpc`` drops keyword arguments when used bare, hence a function rather than
    a ``functools.partial``. ``tests/unit/test_entrypoints.py`` fails on any RPC declared without it.
    """
    decorator = TypedRpc.decorator(expected_exceptions=EXPECTED_EXCEPTIONS, sensitive_arguments=sensitive_arguments)
    return decorator if fn is None else decorator(fn)


class Pingable:
    """Mixed into every service: ``ping`` is what readiness checks and probes call."""

    @rpc
    def ping(self) -> str:
        return "pong"
