"""RPC with a deadline: a stopped service yields a typed 503, never a hang.

nameko's ``RpcProxy`` waits for a reply forever. ``TimedRpcProxy`` waits at most
``timeout`` seconds, and the request message carries the same expiration so a service that
comes back does not work through requests nobody waits for any more.

With ``fail_fast`` (the gateway's proxies), a call to a service none of whose processes is
running (its RPC queue has no consumer) is refused with the same 503 at once instead of
waiting out the deadline: the broker is asked at most once a second per service
(``ConsumerWatch``). A process that dies while a call is in flight still answers at the deadline.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import eventlet
from eventlet.semaphore import Semaphore
from kombu import Connection
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.rpc import RPC_QUEUE_TEMPLATE, MethodProxy, ReplyListener

from services.common.errors import service_unavailable

_log = logging.getLogger(__name__)

CONSUMERS_TTL = 1.0
"""Seconds an answer of the broker about a service's consumers is trusted."""
CONSUMERS_CHECK_TIMEOUT = 0.5
"""Longest wait for that answer; past it, the call goes ahead as if the service were there."""


class ConsumerWatch(SharedExtension):
    """Whether each service's RPC queue has a consumer, from a passive declare of the queue
    (its ``consumer_count``) on one connection of the container, cached ``CONSUMERS_TTL``."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[float, bool]] = {}
        self._lock = Semaphore()
        self._connection: Connection | None = None

    def absent(self, service: str) -> bool:
        """True when the broker says no process consumes ``service``'s RPC queue; False when
        one does, or when the broker could not tell (the normal call then decides)."""
        cached = self._fresh(service)
        if cached is not None:
            return cached
        with self._lock:
            # Another worker may have asked while this one waited for the lock.
            cached = self._fresh(service)
            if cached is None:
                cached = self._ask(service)
                self._known[service] = (time.monotonic(), cached)
            return cached

    def _fresh(self, service: str) -> bool | None:
        known = self._known.get(service)
        if known is not None and time.monotonic() - known[0] < CONSUMERS_TTL:
            return known[1]
        return None

    def _ask(self, service: str) -> bool:
        try:
            with eventlet.Timeout(CONSUMERS_CHECK_TIMEOUT):
                if self._connection is None:
                    self._connection = Connection(self.container.config["AMQP_URI"])
                channel = self._connection.default_channel
                declared = channel.queue_declare(queue=RPC_QUEUE_TEMPLATE.format(service), passive=True)
                return declared.consumer_count == 0
        except (Exception, eventlet.Timeout) as exc:
            # A missing queue, a closed connection, a slow broker: start afresh next time.
            _log.debug("consumers of %s unknown (%r): calling as usual", service, exc)
            self._close()
            return False

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # Often already broken: nothing left to release then.
            with contextlib.suppress(Exception):
                connection.release()

    def stop(self) -> None:
        self._close()

    kill = stop


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
        if proxy.consumers is not None and proxy.consumers.absent(proxy.service_name):
            raise service_unavailable(proxy.service_name)
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
    def __init__(
        self,
        worker_ctx: Any,
        service_name: str,
        reply_listener: ReplyListener,
        timeout: float,
        consumers: ConsumerWatch | None = None,
    ) -> None:
        self.worker_ctx = worker_ctx
        self.service_name = service_name
        self.reply_listener = reply_listener
        self.timeout = timeout
        self.consumers = consumers

    def __getattr__(self, name: str) -> TimedMethod:
        if name.startswith("__"):
            raise AttributeError(name)
        return TimedMethod(self, name)


class TimedRpcProxy(DependencyProvider):
    """Like nameko's ``RpcProxy(target)``, with a deadline (``RPC_TIMEOUT``, default 10 s);
    ``fail_fast``: a 503 at once when no process of the target runs.

    Services calling services keep waiting for the deadline: an event handler's call retried
    at once would spend its bounded redeliveries while the target restarts.
    """

    rpc_reply_listener = ReplyListener()
    consumer_watch = ConsumerWatch()

    def __init__(self, target_service: str, timeout: float | None = None, fail_fast: bool = False) -> None:
        self.target_service = target_service
        self.timeout = timeout
        self.fail_fast = fail_fast

    def get_dependency(self, worker_ctx: Any) -> TimedServiceProxy:
        timeout = self.timeout if self.timeout is not None else float(self.container.config.get("RPC_TIMEOUT", 10.0))
        consumers = self.consumer_watch if self.fail_fast else None
        return TimedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener, timeout, consumers)
