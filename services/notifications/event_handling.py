"""Decorators of the handlers whose recipients come from another service (over RPC).

Redelivery, as checked in nameko 2.14.1 (``nameko.messaging.Consumer.handle_message_processed``):
an event handler's message is acknowledged after the handler has run, **also when it
raised**, so an error loses the event, unless the entrypoint is declared with
``@event_handler(..., requeue_on_error=True)``: the message is then rejected with requeue and
the broker delivers it again at once, with no delay and no attempt count. Hence:

- ``requeue_while_unavailable`` lets through (for nameko to requeue) only the errors that may
  pass, identity or the database not answering, after a pause so that a stopped service does
  not make a hot loop; any other error (a malformed event, a bug) would fail the same way on
  every delivery: it is logged and the event acknowledged.
- ``recorded_once_per_event`` asks identity *before* opening a transaction: a SQLite process
  has one connection, which an RPC waiting for its deadline would hold from every other
  worker. The messages are then recorded, with the event's id, in one transaction: an error
  records nothing, and a redelivered event records nothing more.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import eventlet
from kombu.exceptions import OperationalError as BrokerUnavailable
from nameko.exceptions import RemoteError, UnknownService
from sqlalchemy import exc as db_errors
from sqlalchemy.orm import Session

from services.common.errors import DomainError
from services.common.idempotency import claim
from services.notifications import dispatch
from services.notifications.outgoing import OutgoingMessage

_log = logging.getLogger(__name__)

REQUEUE_PAUSE_SECONDS = 2.0
"""How long a handler waits before its event goes back to the queue (one retry per pause)."""

Handler = Callable[[Any, dict[str, Any]], Any]


def is_transient(error: BaseException) -> bool:
    """Whether the same event may succeed later: a service, the broker or the database did not answer.

    A ``RemoteError`` is an unexpected error inside identity (its database, most often):
    retried too, so the messages leave once identity is mended.
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


def recorded_once_per_event(build: Callable[[Any, dict[str, Any]], Iterable[OutgoingMessage]]) -> Handler:
    """Record the messages ``build(self, event)`` returns, once per ``event_id``; returns the delivery ids.

    ``build`` runs with no transaction open (it may call other services); an event already
    processed is not built again. Put ``send_after_commit`` above it.
    """
    name = f"{build.__module__}.{build.__qualname__}"

    @functools.wraps(build)
    def wrapper(self: Any, event: dict[str, Any]) -> list[int]:
        event_id = event["event_id"]
        with self.db.transaction() as session:
            if _processed(session, event_id, name):
                _log.info("event %s already processed by %s", event_id, name)
                return []
        outgoing = list(build(self, event))
        with self.db.transaction() as session:
            # Checked again, atomically: another delivery of the event may have won meanwhile.
            if not claim(session, event_id, name):
                return []
            return [dispatch.record(session, message, event_id=event_id) for message in outgoing]

    return wrapper


def _processed(session: Session, event_id: str, handler: str) -> bool:
    model = session.info["processed_model"]
    return session.get(model, (event_id, handler)) is not None
