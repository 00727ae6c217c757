"""Tables of the matching service (its own database)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from services.common.idempotency import ProcessedEventMixin
from services.common.outbox import OutboxMessageMixin


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMessageMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
