"""Tables of the identity service: users, teams, their spaces, invitations and notification
settings, operators, sessions, one-time tokens, and the counters of the rate limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from services.common.database import UTCDateTime, utcnow
from services.common.idempotency import ProcessedEventMixin
from services.common.outbox import OutboxMessageMixin
from services.identity.team_rules import name_key


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMessageMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Team(Base):
    """An employer's team: its members share every offer, application and convention."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Space(Base):
    """A group of a team's offers (zone, site, business unit)."""

    __tablename__ = "spaces"
    __table_args__ = (
        UniqueConstraint("team_id", "name"),
        # Names are unique within a team whatever their case: the use cases compare keys
        # first, this constraint stops two concurrent creations of one name.
        UniqueConstraint("team_id", "name_key", name="uq_spaces_team_id_name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # ``team_rules.name_key(name)``, kept by ``_keep_name_key``; casefolding may lengthen a name.
    name_key: Mapped[str] = mapped_column(String(300))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        self.name_key = name_key(name)
        return name


class User(Base):
    """An account; employers belong to exactly one team (``team_id``)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    school_uai: Mapped[str | None] = mapped_column(String(8), index=True)
    grade: Mapped[str | None] = mapped_column(String(20))
    class_name: Mapped[str | None] = mapped_column(String(50))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # When the user joined their current team (sign-up, accepted invitation, removal).
    team_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Administrators (role ``admin``) of one academy: its name (services.common.academies);
    # NULL for national administrators and every other role.
    academy: Mapped[str | None] = mapped_column(String(50))
    # Teachers only: ``pending`` until the head of their school confirms (``confirmed``) or
    # refuses (``refused``) them; see ``staff_rules``. NULL for every other role.
    staff_status: Mapped[str | None] = mapped_column(String(20))
    staff_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The head who decided; no foreign key: the decision outlives the head's account.
    staff_decided_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NotificationSetting(Base):
    """Whether a member of the team receives the notifications of one of its spaces.

    Every member has a row for every space of their team (created when they join, when the
    space is created or moved in); a member who leaves loses theirs.
    """

    __tablename__ = "space_notifications"

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    notify: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TeamInvitation(Base):
    """An emailed invitation to join a team; only the SHA-256 of its token is kept.

    ``status``: ``pending``, then ``accepted``, ``refused`` or ``withdrawn`` (by a member, or
    replaced by a newer invitation to the same address). A pending invitation past
    ``expires_at`` is expired.
    """

    __tablename__ = "team_invitations"
    __table_args__ = (
        # One live invitation per address and team: a new one withdraws the previous one.
        Index(
            "uq_team_invitations_pending",
            "team_id",
            "email",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last sending of its email: the first, or the last resend (which issued a new token).
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sendings: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Operator(Base):
    """A partner publishing offers through the API v2: its display name.

    One row per account of role ``operator``; that account's user id is the operator's id
    everywhere else (owner of its offers, key of its rate limit).
    """

    __tablename__ = "operators"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PartnerCallCount(Base):
    """Calls of one operator to the API v2 within one fixed window (``rules.partner_window``).

    Incremented by one atomic upsert per call, so every gateway replica shares the count.
    No foreign key: a row lives two minutes at most and is written on every partner call.
    """

    __tablename__ = "partner_call_counts"

    operator_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The window: whole minutes since the Unix epoch.
    minute: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    calls: Mapped[int] = mapped_column(Integer)


class RateCount(Base):
    """Events of one subject (a digest of an email, a client address, a device) counted
    against one rate limit within one fixed window (``rate_limits``). No foreign key: rows
    live two hours at most."""

    __tablename__ = "rate_counts"

    # ``rules.rate_key``: the limit's name and the subject's digest.
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The window's end, in seconds of the Unix clock.
    window_end: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, index=True)
    hits: Mapped[int] = mapped_column(Integer)


class AuthSession(Base):
    """A login; its id is the ``sid`` of the session token. Logout sets ``revoked_at``."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(64))


class OneTimeToken(Base):
    """An emailed token (email confirmation, password reset); only its SHA-256 is kept."""

    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginFailure(Base):
    """A failed login for an email address (existing or not): the throttling window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
