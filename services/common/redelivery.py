"""Event handlers that do not lose their event when a service, the broker or a database is away.

As checked in nameko 2.14.1 (``nameko.messaging.Consumer.handle_message_processed``), an
event handler's message is acknowledged after the handler has run, **also when it raised**,
so an error loses the event, unless the entrypoint is declared with
``@event_handler(..., requeue_on_error=True)``: the message is then rejected with requeue
and the broker delivers it again at once, with no delay and no attempt count. Hence
``reliable_handler``: it requeues only the errors that may pass (a service, the broker or a
database not answering), after a pause so that an outage does not make a hot loop; any other
error (a malformed event, a bug) would fail the same way on every delivery: it is logged and
the event acknowledged. Handlers are idempotent on ``event_id`` (``idempotency``), so a
redelivery after a partial failure has no second effect.

Neither kind of failure may loop for ever nor lose the event: an error a retry would not
change, and a "transient" one still there after ``MAX_ATTEMPTS`` deliveries (a poisoned
payload that makes another service fail on every call), put the event on the service's
dead-letter queue (``services.common.dead_letters``), logged with its id, to be read and
replayed once mended. On a classic queue attempts are counted per process (a classic queue
counts no deliveries): a restart starts the count again, which only delays the dead-lettering.
On a quorum queue (``AMQP_QUEUE_TYPE=quorum``) the broker counts the returns of a message
(``x-delivery-count``), across restarts and replicas, and the count starts from it; the queue's
``x-delivery-limit`` (``DELIVERY_LIMIT``) is set well above ``MAX_ATTEMPTS`` so that the broker
never drops an event before the handler has dead-lettered it (RabbitMQ 4 drops after 20 by
default, with no dead-letter route: lost).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import eventlet
from kombu.exceptions import OperationalError as BrokerUnavailable
from nameko.events import EventHandler
from nameko.exceptions import RemoteError, UnknownService
from sqlalchemy import exc as db_errors

from services.common import broker, dead_letters
from services.common.errors import DomainError

_log = logging.getLogger(__name__)

REQUEUE_PAUSE_SECONDS = 2.0
"""How long a handler waits before its event goes back to the queue (one retry per pause)."""

MAX_ATTEMPTS = 30
"""Deliveries of one event to one handler before a transient error dead-letters it: with the
pause, about a minute, longer than a service's restart or a database's failover."""

DELIVERY_LIMIT = 120
"""``x-delivery-limit`` of a quorum handler queue: returns of one event after which the broker
drops it. Four times ``MAX_ATTEMPTS``, room for the returns the handler does not see fail (a
process stopped or killed holding prefetched events, which RabbitMQ before 4.3 counts too).
A number, not computed from ``MAX_ATTEMPTS``: a queue's arguments are fixed when it is first
declared, and the broker refuses a declaration with another value (like a change of type,
README's Capacity plan); ``MAX_ATTEMPTS`` may change below it (``tests/unit/test_queue_types.py``)."""

# (handler, event id) -> failed deliveries so far, in this process (or as the broker counted them)
_attempts: dict[tuple[str, str], int] = {}

Handler = Callable[[Any, dict[str, Any]], Any]

# Set on what ``requeue_while_unavailable`` returns, so that a test can find a handler without it.
_MARK = "requeues_while_unavailable"


def is_transient(error: BaseException) -> bool:
    """Whether the same event may succeed later: a service, the broker or the database did not answer.

    A ``RemoteError`` is an unexpected error inside another service (its database, most
    often): retried too, so the work is done once that service is mended.
    """
    if isinstance(error, DomainError):
        return error.code == "SERVICE_UNAVAILABLE"
    if isinstance(error, db_errors.DBAPIError) and error.connection_invalidated:
        # SQLAlchemy saw the connection drop, whatever class the driver gave the error: psycopg2
        # raises a bare DatabaseError for some reads cut short by a lost server.
        return True
    return isinstance(
        error,
        RemoteError
        | UnknownService
        | BrokerUnavailable
        | ConnectionError
        | db_errors.OperationalError
        | db_errors.InterfaceError
        | db_errors.TimeoutError,
    )


def _attempt_key(handler: Callable[..., Any], event: dict[str, Any]) -> tuple[str, str]:
    # The entrypoint's method and the function it wraps share their __qualname__ (functools.wraps).
    return handler.__qualname__, str(event.get("event_id"))


def requeue_while_unavailable(handler: Handler, source: str = "", event_type: str = "") -> Handler:
    """Raise (for ``requeue_on_error=True`` to requeue the event) only what may pass, at most
    ``MAX_ATTEMPTS`` times; dead-letter the rest.

    Put it right below ``@event_handler(source, event_type, requeue_on_error=True)``.
    """

    @functools.wraps(handler)
    def wrapper(self: Any, event: dict[str, Any]) -> Any:
        key = _attempt_key(handler, event)
        attempts = _attempts.get(key, 0) + 1  # this delivery's number, known before it runs
        try:
            result = handler(self, event)
        except Exception as error:
            if is_transient(error) and attempts < MAX_ATTEMPTS:
                _attempts[key] = attempts
                _log.warning(
                    "event %s (%s) put back on its queue in %ss (attempt %d of %d): %s",
                    event.get("event_id"),
                    event.get("event_type"),
                    REQUEUE_PAUSE_SECONDS,
                    attempts,
                    MAX_ATTEMPTS,
                    error,
                )
                eventlet.sleep(REQUEUE_PAUSE_SECONDS)
                raise
            _attempts.pop(key, None)
            service = str(getattr(self, "name", "unknown"))
            # If the broker does not take it, this raises: the event is requeued, not lost.
            dead_letters.store(
                service, handler.__name__, source, event_type or str(event.get("event_type")), event, error, attempts
            )
            _log.error(
                "event %s (%s) dead-lettered to %s after %d attempt(s): %s",
                event.get("event_id"),
                event.get("event_type"),
                dead_letters.queue_name(service),
                attempts,
                error,
                exc_info=error,
            )
            return None
        _attempts.pop(key, None)
        return result

    setattr(wrapper, _MARK, True)
    return wrapper


def requeues_while_unavailable(handler: Callable[..., Any]) -> bool:
    """Whether ``handler`` (an entrypoint's function) goes through ``requeue_while_unavailable``."""
    return getattr(handler, _MARK, False) is True


class ReliableEventHandler(EventHandler):
    """nameko's ``EventHandler`` whose durable queue has the type of ``AMQP_QUEUE_TYPE``
    (``services.common.broker``), and whose attempts count from the broker's on a quorum queue.

    A broadcast handler without reliable delivery has an exclusive, auto-delete queue: it stays
    classic (a quorum queue can be neither).
    """

    def setup(self) -> None:
        super().setup()
        broker.with_queue_type(self.queue, delivery_limit=DELIVERY_LIMIT)

    def handle_message(self, body: Any, message: Any) -> None:
        # Only a quorum queue sets the header: the returns of this message so far, counted by the
        # broker whichever process or replica failed on it.
        returned = (message.headers or {}).get("x-delivery-count")
        if isinstance(returned, int) and returned > 0 and isinstance(body, dict):
            key = _attempt_key(getattr(self.container.service_cls, self.method_name), body)
            _attempts[key] = max(_attempts.get(key, 0), returned)
        super().handle_message(body, message)


def reliable_handler(source: str, event_type: str, **options: Any) -> Callable[[Handler], Any]:
    """``@event_handler(source, event_type, **options)`` (``ReliableEventHandler``) whose event is
    redelivered while what it needs is away; ``options`` are the other arguments of nameko's
    ``event_handler`` (``handler_type``, ``reliable_delivery``)."""

    def decorate(handler: Handler) -> Any:
        return ReliableEventHandler.decorator(source, event_type, requeue_on_error=True, **options)(
            requeue_while_unavailable(handler, source, event_type)
        )

    return decorate
