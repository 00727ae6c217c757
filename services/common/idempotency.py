"""Idempotent event handling: a redelivered event has no second effect.

nameko acknowledges an event after its handler returns, and the outbox may publish an event
twice, so every handler records the ``event_id`` it processed in the same transaction as its
effects. The second delivery finds the record and does nothing.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.common.database import UTCDateTime, utcnow

_log = logging.getLogger(__name__)


class ProcessedEventMixin:
    """Columns of a service's ``processed_events`` table."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def claim(session: Session, event_id: str, handler: str) -> bool:
    """Record that ``handler`` processes ``event_id`` now; False when it already did."""
    model = session.info.get("processed_model")
    if model is None:
        raise RuntimeError("this session has no processed-events table: give Database(processed_model=...)")
    if session.get(model, (event_id, handler)) is not None:
        return False
    session.add(model(event_id=event_id, handler=handler, processed_at=utcnow()))
    try:
        session.flush()
    except IntegrityError:
        # A concurrent delivery of the same event won the race.
        session.rollback()
        return False
    return True


def once_per_event(handler: Callable[[Any, Session, dict[str, Any]], Any]) -> Callable[[Any, dict[str, Any]], Any]:
    """Decorate an event handler ``(self, session, event)`` to run once per ``event_id``.

    The handler runs inside ``self.db.transaction()``; its effects and the record of the
    event commit together.
    """
    name = f"{handler.__module__}.{handler.__qualname__}"

    @functools.wraps(handler)
    def wrapper(self: Any, event: dict[str, Any]) -> Any:
        with self.db.transaction() as session:
            if not claim(session, event["event_id"], name):
                _log.info("event %s already processed by %s", event["event_id"], name)
                return None
            return handler(self, session, event)

    mark_once_only(wrapper, "processed_events")
    # nameko checks a call against the entrypoint's signature, which is (self, event).
    del wrapper.__wrapped__
    wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter("event", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ]
    )
    return wrapper


# Set on a handler whose effect happens once per event, so that a test can find one without it;
# the value says how (the ``processed_events`` table, or why the handler needs none).
_MARK = "once_only"

HandlerFunction = TypeVar("HandlerFunction", bound=Callable[..., Any])


def mark_once_only(handler: Callable[..., Any], how: str) -> None:
    """Record on ``handler`` how a second delivery of its event has no second effect."""
    setattr(handler, _MARK, how)


def once_only(handler: Callable[..., Any]) -> str | None:
    """How ``handler`` has its effect once per event, or None when nothing says it does."""
    how = getattr(handler, _MARK, None)
    return how if isinstance(how, str) and how else None


def idempotent_by_design(why: str) -> Callable[[HandlerFunction], HandlerFunction]:
    """Declare a handler that needs no ``processed_events`` row: ``why`` says what makes a
    second delivery do nothing (a unique key, a result found already made, a set)."""

    def decorate(handler: HandlerFunction) -> HandlerFunction:
        mark_once_only(handler, why)
        return handler

    return decorate
