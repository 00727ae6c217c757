"""Tables of the matching service (its own database): the schools directory, school weeks, and
the projection of published offers that the pupils' search indexes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
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


class School(Base):
    """A collège or a lycée with a 2de GT, as the importer loads it from the annuaire."""

    __tablename__ = "schools"

    uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # "college" | "lycee"
    city: Mapped[str] = mapped_column(String(150))
    zipcode: Mapped[str] = mapped_column(String(10))
    # Indexed: a nearest-first search narrows a box of latitudes before it measures distances.
    latitude: Mapped[float] = mapped_column(Float, index=True)
    longitude: Mapped[float] = mapped_column(Float)
    rep: Mapped[str | None] = mapped_column(String(4))  # None | "REP" | "REP+"
    qpv: Mapped[bool] = mapped_column(Boolean, default=False)
    # Name, city, zipcode and UAI without accents, lower-cased: SQLite has no unaccent(), so
    # an accent-insensitive search matches this column with LIKE on every database.
    search_text: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SchoolWeek(Base):
    """A collège week a school chose for its pupils' internships."""

    __tablename__ = "school_weeks"

    uai: Mapped[str] = mapped_column(ForeignKey("schools.uai", ondelete="CASCADE"), primary_key=True)
    # Indexed: the 60 km highlighting counts the schools that chose each week.
    week: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)  # "2026-W03"
    set_by: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfferProjection(Base):
    """The newest snapshot of an offer that matching heard of, fed by the offers' events.

    ``seq`` numbers the changes in commit order (writers take turns: ``offer_projection``),
    so each replica of matching refreshes its in-memory index with the rows whose ``seq``
    is above the last one it applied. Deleted and unpublished offers keep their row: their
    ``version`` still orders late events.
    """

    __tablename__ = "offer_projection"

    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # "published" | "unpublished" | "deleted"
    # ``OfferSnapshot`` as JSON; None once the offer is deleted.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)


class Favourite(Base):
    """An offer a pupil keeps in « Mes offres favorites » (once per pupil and offer).

    No foreign key to ``offer_projection``: a favourite may name an offer whose events have
    not reached matching yet on another replica, and a deleted offer's row stays anyway.
    """

    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("pupil_id", "offer_id", name="uq_favourites_pupil_offer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The unique pair's index also serves a pupil's list (its first column).
    pupil_id: Mapped[int] = mapped_column(Integer)
    offer_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfferView(Base):
    """A pupil read an offer's page on a day: one row per pupil, offer and day, whatever the
    number of times (the unique key makes it a database rule), for the hosts' statistics."""

    __tablename__ = "offer_views"
    __table_args__ = (UniqueConstraint("offer_id", "pupil_id", "day", name="uq_offer_views_offer_pupil_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The unique key leads with offer_id: it is also the index a count by offer uses.
    offer_id: Mapped[int] = mapped_column(Integer)
    pupil_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
