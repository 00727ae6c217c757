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
replayed once mended. Attempts are counted per process (classic queues count no deliveries):
a restart starts the count again, which only delays the dead-lettering.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import eventlet
from kombu.exceptions import OperationalError as BrokerUnavailable
from nameko.events import event_handler
from nameko.exceptions import RemoteError, UnknownService
from sqlalchemy import exc as db_errors

from services.common import dead_letters
from services.common.errors import DomainError

_log = logging.getLogger(__name__)

REQUEUE_PAUSE_SECONDS = 2.0
"""How long a handler waits before its event goes back to the queue (one retry per pause)."""

MAX_ATTEMPTS = 30
"""Deliveries of one event to one handler before a transient error dead-letters it: with the
pause, about a minute, longer than a service's restart or a database's failover."""

# (handler, event id) -> failed deliveries so far, in this process
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


def requeue_while_unavailable(handler: Handler, source: str = "", event_type: str = "") -> Handler:
    """Raise (for ``requeue_on_error=True`` to requeue the event) only what may pass, at most
    ``MAX_ATTEMPTS`` times; dead-letter the rest.

    Put it right below ``@event_handler(source, event_type, requeue_on_error=True)``.
    """

    @functools.wraps(handler)
    def wrapper(self: Any, event: dict[str, Any]) -> Any:
        key = (handler.__qualname__, str(event.get("event_id")))
        try:
            result = handler(self, event)
        except Exception as error:
            attempts = _attempts.get(key, 0) + 1
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


def reliable_handler(source: str, event_type: str, **options: Any) -> Callable[[Handler], Any]:
    """``@event_handler(source, event_type, **options)`` whose event is redelivered while what it
    needs is away; ``options`` are the other arguments of nameko's ``event_handler``
    (``handler_type``, ``reliable_delivery``)."""

    def decorate(handler: Handler) -> Any:
        return event_handler(source, event_type, requeue_on_error=True, **options)(
            requeue_while_unavailable(handler, source, event_type)
        )

    return decorate
