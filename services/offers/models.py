"""Tables of the offers service (its own database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, UniqueConstraint, text
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


class Offer(Base):
    """An internship offer of a team, in one of its spaces (or of a partner operator)."""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("operator_id", "remote_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int | None] = mapped_column(Integer, index=True)
    space_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by: Mapped[int] = mapped_column(Integer)
    operator_id: Mapped[int | None] = mapped_column(Integer, index=True)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    permalink: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="published", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    sector: Mapped[str] = mapped_column(String(4))
    employer_name: Mapped[str] = mapped_column(String(150))
    employer_siret: Mapped[str | None] = mapped_column(String(14))
    employer_is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    employer_description: Mapped[str | None] = mapped_column(Text)
    employer_website: Mapped[str | None] = mapped_column(String(500))
    employer_trade_name: Mapped[str | None] = mapped_column(String(150))
    employer_ministry: Mapped[str | None] = mapped_column(String(200))
    # E.164 (``+33123456789``): for the pupils' school, never shown to pupils.
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(300))
    zipcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(150))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    workspace_conditions: Mapped[str | None] = mapped_column(Text)
    workspace_accessibility: Mapped[str | None] = mapped_column(Text)
    grades: Mapped[list[str]] = mapped_column(JSON)
    seconde_period: Mapped[str | None] = mapped_column(String(10))
    college_weeks: Mapped[Any] = mapped_column(JSON, nullable=True)
    daily_hours: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    lunch_break: Mapped[str] = mapped_column(String(250))
    max_candidates: Mapped[int] = mapped_column(Integer)
    approved_count: Mapped[int] = mapped_column(Integer, default=0)
    # The ``sequence`` of the last seat count applied (conventions' ``offer_seats_changed``):
    # a count of an equal or lower sequence is stale (a late or repeated event) and ignored.
    seats_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    reserved_rep: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved_qpv: Mapped[bool] = mapped_column(Boolean, default=False)
    # The schools the offer is reserved to, in the host's order (empty: no such reservation).
    reserved_school_uais: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # Told by partners (v2 "handicap_accessible"); hosts describe it in workspace_accessibility.
    handicap_accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    # The school year (its first calendar year) the offer was last published or edited for (a
    # partner's: created or changed through the API v2): a new school year makes it « à mettre à jour ».
    school_year: Mapped[int | None] = mapped_column(Integer)
    # Marked by the review pass (``review``): hidden from pupils until its host (or partner) updates it.
    need_to_be_updated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"), index=True)
    update_reason: Mapped[str | None] = mapped_column(String(30))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class OfferDraft(Base):
    """What a host typed in the offer form (« brouillon »), kept as typed until submitted.

    A team's drafts are shared by its members, as its offers are. ``offer_id``: the offer
    the draft edits (None: a new offer).
    """

    __tablename__ = "offer_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    created_by: Mapped[int] = mapped_column(Integer)
    offer_id: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyKey(Base):
    """A creation request already answered: the same key from the same caller gives the same offer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    offer_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
