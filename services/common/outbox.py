"""The transactional outbox: events stored with the change, published after commit.

``emit`` adds the event to the session of the change, so it commits or rolls back with it.
``OutboxRelay`` publishes stored events to nameko's ``<service>.events`` exchange and marks
them published; it is woken right after each commit that emitted, and it also polls, so an
event committed just before a crash is published when the service starts again. An event
may be published twice (a crash between publish and mark): handlers are idempotent on
``event_id`` (see ``idempotency``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from services.common.contracts.events import EventPayload, envelope
from services.common.database import UTCDateTime, utcnow

_log = logging.getLogger(__name__)


class OutboxMessageMixin:
    """Columns of a service's ``outbox`` table (each service maps it on its own Base)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


def emit(session: Session, event_type: str, payload: EventPayload) -> str:
    """Store an event in the same transaction as the change it describes; returns its id."""
    model = session.info.get("outbox_model")
    if model is None:
        raise RuntimeError("this session has no outbox: give Database(outbox_model=...)")
    event_id = str(uuid.uuid4())
    session.add(
        model(event_id=event_id, event_type=event_type, payload=payload.model_dump(mode="json"), created_at=utcnow())
    )
    session.info["outbox_pending"] = True
    return event_id


class OutboxRelay:
    """Publishes a service's stored events, in order, after their transaction committed."""

    poll_interval = 1.0
    batch_size = 200

    def __init__(self, service_name: str, session_factory: sessionmaker[Session], model: type, amqp_uri: str) -> None:
        self.service_name = service_name
        self.session_factory = session_factory
        self.model = model
        self.exchange = get_event_exchange(service_name, {})
        self.publisher = Publisher(amqp_uri, serializer="json", declare=[self.exchange])
        self._wakeup = threading.Event()
        self._running = False

    def start(self, spawn: Callable[..., Any]) -> None:
        """Run the relay loop in a thread managed by the container."""
        self._running = True
        spawn(self._loop, identifier=f"{self.service_name}.outbox_relay")

    def stop(self) -> None:
        self._running = False
        self._wakeup.set()

    def wake(self) -> None:
        """Ask for a publish now (called after a commit that emitted)."""
        self._wakeup.set()

    def _loop(self) -> None:
        while self._running:
            self._wakeup.wait(self.poll_interval)
            self._wakeup.clear()
            if not self._running:
                break
            try:
                while self.publish_pending() == self.batch_size:
                    pass
            except Exception:  # the broker or the database is away: retry on the next tick
                _log.exception("outbox relay of %s failed; retrying", self.service_name)

    def publish_pending(self) -> int:
        """Publish stored, unpublished events; returns how many were published."""
        model = self.model
        with self.session_factory() as session:
            # SKIP LOCKED lets several replicas share the work on PostgreSQL (SQLite ignores it).
            rows = session.scalars(
                select(model)
                .where(model.published_at.is_(None))
                .order_by(model.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                body = envelope(row.event_id, row.event_type, row.created_at.isoformat(), row.payload)
                self.publisher.publish(body, exchange=self.exchange, routing_key=row.event_type)
                row.published_at = utcnow()
            session.commit()
            return len(rows)
