"""Tables of the notifications service (its own database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.database import UTCDateTime, utcnow
from services.common.idempotency import ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Delivery(Base):
    """The delivery log: one row per message to one recipient, and how sending it went.

    A row is written in the transaction of its cause (an event, an RPC call) and sent after
    that transaction commits; ``next_attempt_at`` says when it is due, and is NULL once
    there is nothing left to do (sent, or out of attempts).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        # An event gives each recipient a given message once, however often it is delivered.
        UniqueConstraint("event_id", "channel", "recipient", "template", name="uq_deliveries_event_message"),
        # A caller's reference (e.g. a signature request) names one message: a retried call
        # finds it instead of sending again.
        UniqueConstraint("channel", "reference", name="uq_deliveries_channel_reference"),
        CheckConstraint("channel IN ('email', 'sms')", name="ck_deliveries_channel"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_deliveries_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(36))
    reference: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The HTML alternative of an email, kept so that a retry sends exactly what was rendered.
    html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
