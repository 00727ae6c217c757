"""What the service sends, independent of storage and transport: channels, statuses, messages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    """How a message travels."""

    EMAIL = "email"
    SMS = "sms"


class Status(StrEnum):
    """Where a delivery stands: waiting for (another) attempt, done, or last attempt failed."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient, fully rendered, ready to be recorded and sent."""

    channel: Channel
    template: str
    recipient: str
    body: str
    subject: str | None = None
    html: str | None = None
