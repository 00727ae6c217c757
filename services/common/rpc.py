"""RPC with a deadline: a stopped service yields a typed 503, never a hang.

nameko's ``RpcProxy`` waits for a reply forever. ``TimedRpcProxy`` waits at most
``timeout`` seconds, and the request message carries the same expiration so a service that
comes back does not work through requests nobody waits for any more.
"""

from __future__ import annotations

import time
from typing import Any

import eventlet
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, ReplyListener

from services.common.errors import service_unavailable


class TimedMethod:
    """One remote method; calling it returns the result or raises within the deadline."""

    def __init__(self, proxy: TimedServiceProxy, method_name: str) -> None:
        self._proxy = proxy
        self._method_name = method_name

    def __call__(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        return self.call_async(*args, timeout=timeout, **kwargs).result()

    def call_async(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> TimedReply:
        """Send the request now; ``.result()`` waits for the answer."""
        proxy = self._proxy
        deadline = timeout if timeout is not None else proxy.timeout
        method = MethodProxy(
            proxy.worker_ctx,
            proxy.service_name,
            self._method_name,
            proxy.reply_listener,
            expiration=deadline,
        )
        try:
            reply = method.call_async(*args, **kwargs)
        except UnknownService:
            raise service_unavailable(proxy.service_name) from None
        return TimedReply(reply, proxy, deadline)


class TimedReply:
    """The pending answer of one call."""

    def __init__(self, reply: Any, proxy: TimedServiceProxy, deadline: float) -> None:
        self._reply = reply
        self._proxy = proxy
        # Counted from the send, so several calls in flight share one deadline.
        self._expires = time.monotonic() + deadline

    def result(self) -> Any:
        try:
            with eventlet.Timeout(max(0.0, self._expires - time.monotonic())):
                return self._reply.result()
        except eventlet.Timeout:
            self._forget()
            raise service_unavailable(self._proxy.service_name) from None

    def _forget(self) -> None:
        # nameko keeps a waiting reply event per correlation id until a reply comes: drop it.
        events = self._proxy.reply_listener._reply_events
        for correlation_id, event in list(events.items()):
            if event is self._reply.reply_event:
                events.pop(correlation_id, None)


class TimedServiceProxy:
    def __init__(self, worker_ctx: Any, service_name: str, reply_listener: ReplyListener, timeout: float) -> None:
        self.worker_ctx = worker_ctx
        self.service_name = service_name
        self.reply_listener = reply_listener
        self.timeout = timeout

    def __getattr__(self, name: str) -> TimedMethod:
        if name.startswith("__"):
            raise AttributeError(name)
        return TimedMethod(self, name)


class TimedRpcProxy(DependencyProvider):
    """Like nameko's ``RpcProxy(target)``, with a deadline (``RPC_TIMEOUT``, default 10 s)."""

    rpc_reply_listener = ReplyListener()

    def __init__(self, target_service: str, timeout: float | None = None) -> None:
        self.target_service = target_service
        self.timeout = timeout

    def get_dependency(self, worker_ctx: Any) -> TimedServiceProxy:
        timeout = self.timeout if self.timeout is not None else float(self.container.config.get("RPC_TIMEOUT", 10.0))
        return TimedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener, timeout)
