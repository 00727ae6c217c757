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

from services.common.errors import DomainError

_log = logging.getLogger(__name__)

REQUEUE_PAUSE_SECONDS = 2.0
"""How long a handler waits before its event goes back to the queue (one retry per pause)."""

Handler = Callable[[Any, dict[str, Any]], Any]


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


def requeue_while_unavailable(handler: Handler) -> Handler:
    """Raise (for ``requeue_on_error=True`` to requeue the event) only what may pass; drop the rest.

    Put it right below ``@event_handler(..., requeue_on_error=True)``.
    """

    @functools.wraps(handler)
    def wrapper(self: Any, event: dict[str, Any]) -> Any:
        try:
            return handler(self, event)
        except Exception as error:
            if not is_transient(error):
                _log.exception(
                    "event %s (%s) dropped: it fails for a reason a retry would not change",
                    event.get("event_id"),
                    event.get("event_type"),
                )
                return None
            _log.warning(
                "event %s (%s) put back on its queue in %ss: %s",
                event.get("event_id"),
                event.get("event_type"),
                REQUEUE_PAUSE_SECONDS,
                error,
            )
            eventlet.sleep(REQUEUE_PAUSE_SECONDS)
            raise

    return wrapper


def reliable_handler(source: str, event_type: str) -> Callable[[Handler], Any]:
    """``@event_handler(source, event_type)`` whose event is redelivered while what it needs is away."""

    def decorate(handler: Handler) -> Any:
        return event_handler(source, event_type, requeue_on_error=True)(requeue_while_unavailable(handler))

    return decorate
