"""Handlers whose recipients come from another service (over RPC); they are declared with
``services.common.redelivery.reliable_handler`` so that an event waits while identity is away.

``recorded_once_per_event`` asks identity *before* opening a transaction: a SQLite process
  has one connection, which an RPC waiting for its deadline would hold from every other
  worker. The messages are then recorded, with the event's id, in one transaction: an error
  records nothing, and a redelivered event records nothing more.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from services.common.idempotency import claim, mark_once_only
from services.notifications import dispatch
from services.notifications.outgoing import OutgoingMessage

_log = logging.getLogger(__name__)

Handler = Callable[[Any, dict[str, Any]], Any]


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

    mark_once_only(wrapper, "processed_events")
    return wrapper


def _processed(session: Session, event_id: str, handler: str) -> bool:
    model = session.info["processed_model"]
    return session.get(model, (event_id, handler)) is not None
