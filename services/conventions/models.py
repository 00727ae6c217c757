"""Tables of the conventions service (its own database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.database import UTCDateTime, utcnow
from services.common.idempotency import ProcessedEventMixin
from services.common.outbox import OutboxMessageMixin


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMessageMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Application(Base):
    """A pupil's application to an offer, with what was known of both when they applied."""

    __tablename__ = "applications"
    __table_args__ = (
        # One application per pupil per offer: also what makes a double click create one.
        UniqueConstraint("offer_id", "student_id"),
        UniqueConstraint("student_id", "idempotency_key"),
        # The lists, newest first: a page is read in index order, without sorting the whole list.
        Index("ix_applications_team_newest", "team_id", "created_at", "id"),
        Index("ix_applications_school_newest", "school_uai", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer, index=True)
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    space_id: Mapped[int | None] = mapped_column(Integer)
    # The offer's ``version`` whose team and space ``team_id`` and ``space_id`` follow (0: as
    # read when the pupil applied): an older snapshot of the offer, arriving late, is ignored.
    offer_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The offer as it was when the pupil applied (title, employer, place, hours...).
    offer: Mapped[dict[str, Any]] = mapped_column(JSON)
    student_id: Mapped[int] = mapped_column(Integer, index=True)
    student: Mapped[dict[str, Any]] = mapped_column(JSON)
    school_uai: Mapped[str | None] = mapped_column(String(8), index=True)
    school: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    grade: Mapped[str | None] = mapped_column(String(20))
    weeks: Mapped[list[str]] = mapped_column(JSON)
    motivation: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # When the host's team was last reminded of it (``reminders``): kept apart from
    # ``updated_at``, which a reminder must not move (it is the expiry's clock).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApplicationTransition(Base):
    """One step of an application's life: who moved it, to what, when, and why."""

    __tablename__ = "application_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    by_role: Mapped[str] = mapped_column(String(20))
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfferSeats(Base):
    """Seats of an offer and how many pupils took one: the counter that is never overdrawn.

    Approving decrements it with one conditional UPDATE (``approved < seats``), which both
    SQLite and PostgreSQL execute atomically, so concurrent approvals cannot exceed it.
    """

    __tablename__ = "offer_seats"

    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seats: Mapped[int] = mapped_column(Integer)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    # Grows with each change, so offers applies the counts in order (offer_seats_changed).
    sequence: Mapped[int] = mapped_column(Integer, default=0)


class Convention(Base):
    """The internship agreement of an approved application: the host's and the school's parts."""

    __tablename__ = "conventions"
    __table_args__ = (
        # The lists, newest first: a page is read in index order, without sorting the whole list.
        Index("ix_conventions_team_newest", "team_id", "created_at", "id"),
        Index("ix_conventions_school_newest", "school_uai", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    offer_id: Mapped[int] = mapped_column(Integer, index=True)
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    space_id: Mapped[int | None] = mapped_column(Integer)
    school_uai: Mapped[str | None] = mapped_column(String(8), index=True)
    student_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    # Facts copied when the convention was created (offer, pupil, school, weeks, dates).
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The host's and the school's fields (contracts.conventions HOST_FIELDS, SCHOOL_FIELDS).
    host_part: Mapped[dict[str, Any]] = mapped_column(JSON)
    school_part: Mapped[dict[str, Any]] = mapped_column(JSON)
    completed_by_employer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    validated_by_school_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The legal representative's emailed link: only its hash is kept.
    link_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the signatories still expected were last reminded (``reminders``): every pending
    # signature has waited since the same moment (ready to sign), so one date serves them all.
    signature_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SignatureRequest(Base):
    """One SMS code for a batch of conventions and one signatory."""

    __tablename__ = "signature_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # "user:<id>" or "link:<convention id>": whose requests the rate limit counts
    signer_key: Mapped[str] = mapped_column(String(50), index=True)
    role: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(Integer)
    signer_name: Mapped[str] = mapped_column(String(300))
    convention_ids: Mapped[list[int]] = mapped_column(JSON)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sends: Mapped[int] = mapped_column(Integer, default=1)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CodeSending(Base):
    """Each SMS code sent, for the rate limits (3 per signatory and 10 per client address per
    15 minutes) and as evidence: the client address that asked, as a signature keeps it."""

    __tablename__ = "code_sendings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signer_key: Mapped[str] = mapped_column(String(50), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("signature_requests.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)


class SignatureImage(Base):
    """A drawn signature, stored once however many conventions it signs."""

    __tablename__ = "signature_images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ConventionSignature(Base):
    """One party's signature of one convention: the evidence a court would read."""

    __tablename__ = "convention_signatures"
    __table_args__ = (UniqueConstraint("convention_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    signer_user_id: Mapped[int | None] = mapped_column(Integer)
    signer_name: Mapped[str] = mapped_column(String(300))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(64))
    masked_phone: Mapped[str] = mapped_column(String(40))
    image_sha256: Mapped[str] = mapped_column(ForeignKey("signature_images.sha256"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(36))


class ConventionDocument(Base):
    """The sealed PDF of a convention signed by all, generated after the last signature."""

    __tablename__ = "convention_documents"

    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
