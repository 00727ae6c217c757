"""Event names (facts, past tense) and their payload models, one place for every service.

On the wire an event is a JSON object ``{"event_id", "event_type", "occurred_at", "data"}``
published by the source service's outbox relay to nameko's ``<source>.events`` exchange with
the event type as routing key, so a plain ``@event_handler(source, event_type)`` receives it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """Base of every event payload: frozen, unknown keys ignored so producers can add fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# identity ---------------------------------------------------------------------------------
USER_SIGNED_UP = "user_signed_up"
PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an event name, not a secret
SESSION_REVOKED = "session_revoked"
EMAIL_CONFIRMED = "email_confirmed"


class UserSignedUp(EventPayload):
    user_id: int
    email: str
    first_name: str
    last_name: str
    role: str
    # The raw single-use token travels once, to the service that mails it; identity keeps
    # only its hash.
    confirmation_token: str


class PasswordResetRequested(EventPayload):
    user_id: int
    email: str
    first_name: str
    reset_token: str


class SessionRevoked(EventPayload):
    session_id: str
    user_id: int
    expires_at: str


class EmailConfirmed(EventPayload):
    user_id: int
    email: str


PAYLOADS: dict[tuple[str, str], type[EventPayload]] = {
    ("identity", USER_SIGNED_UP): UserSignedUp,
    ("identity", PASSWORD_RESET_REQUESTED): PasswordResetRequested,
    ("identity", SESSION_REVOKED): SessionRevoked,
    ("identity", EMAIL_CONFIRMED): EmailConfirmed,
}


def envelope(event_id: str, event_type: str, occurred_at: str, data: dict[str, Any]) -> dict[str, Any]:
    """The message body of one event."""
    return {"event_id": event_id, "event_type": event_type, "occurred_at": occurred_at, "data": data}
