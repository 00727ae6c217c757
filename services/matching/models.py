"""Tables of the matching service (its own database): the schools directory and school weeks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
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
