"""Event names (facts, past tense) and their payload models, one place for every service.

On the wire an event is a JSON object ``{"event_id", "event_type", "occurred_at", "data"}``
published by the source service's outbox relay to nameko's ``<source>.events`` exchange with
the event type as routing key, so a plain ``@event_handler(source, event_type)`` receives it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EventPayload(BaseModel):
    """Base of every event payload: frozen, unknown keys ignored so producers can add fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# identity ---------------------------------------------------------------------------------
USER_SIGNED_UP = "user_signed_up"
PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an event name, not a secret
SESSION_REVOKED = "session_revoked"
# Someone tried to sign up with an address that has an account: its owner is told by email
# (the sign-up itself answers as for a new address, so it reveals nothing).
SIGNUP_ON_TAKEN_EMAIL = "signup_on_taken_email"
EMAIL_CONFIRMED = "email_confirmed"
TEACHER_CONFIRMED = "teacher_confirmed"


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


class SignupOnTakenEmail(EventPayload):
    user_id: int
    email: str
    first_name: str


class SessionRevoked(EventPayload):
    session_id: str
    user_id: int
    expires_at: str


class EmailConfirmed(EventPayload):
    user_id: int
    email: str


class TeacherConfirmed(EventPayload):
    """A head of school confirmed that ``user_id`` teaches at ``school_uai``: they now see its pupils."""

    user_id: int
    email: str
    first_name: str
    school_uai: str
    confirmed_by_name: str


# teams (identity) -----------------------------------------------------------------------------
TEAM_INVITATION_SENT = "team_invitation_sent"
TEAM_MEMBER_JOINED = "team_member_joined"
TEAM_MEMBER_REMOVED = "team_member_removed"


class TeamInvitationSent(EventPayload):
    invitation_id: int
    email: str
    team_id: int
    inviter_name: str
    expires_at: str
    # The raw single-use token travels once, to the service that mails it.
    invitation_token: str
    # What accepting would do to an invitee who already hosts offers in another team
    # (``invitations.joining_effect``): "new" (no such account), "alone" (their spaces,
    # named in ``moving_spaces``, come along with their offers), "with_others" (nothing moves).
    joining: Literal["new", "alone", "with_others"] = "new"
    moving_spaces: list[str] = Field(default_factory=list)


class TeamMemberJoined(EventPayload):
    """``user_id`` left ``previous_team_id`` for ``team_id``; ``moved_space_ids`` came along
    (with their offers: offers moves them, conventions follows the offers)."""

    user_id: int
    team_id: int
    previous_team_id: int | None
    moved_space_ids: list[int]


class TeamMemberRemoved(EventPayload):
    """``user_id`` was removed from ``team_id`` and now has an empty team of their own."""

    user_id: int
    team_id: int
    new_team_id: int


def envelope(event_id: str, event_type: str, occurred_at: str, data: dict[str, Any]) -> dict[str, Any]:
    """The message body of one event."""
    return {"event_id": event_id, "event_type": event_type, "occurred_at": occurred_at, "data": data}
