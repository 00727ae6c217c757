"""Matching's projection of offers: the newest snapshot of each, from the offers' events.

Events may come twice (the outbox, redelivery: ``once_per_event`` takes care of that) and
out of order (several consumers, retries): a snapshot replaces the stored one only when its
``version`` is newer. Each change gets the next ``seq``; writers take turns (an advisory
lock on PostgreSQL; SQLite has one writer at a time, and ``once_per_event`` has already
written), so ``seq`` follows commit order and a replica reading ``seq > last_seen`` never
skips a change committed late.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from services.common.contracts.offers import OfferDeleted, OfferSnapshot
from services.common.database import utcnow
from services.matching.models import OfferProjection
from services.matching.offer_index import IndexedOffer, OfferIndex

PUBLISHED = "published"
DELETED = "deleted"
NEEDS_UPDATE = "need_to_be_updated"
# Any constant: the key of the advisory lock that orders the projection's writers.
_LOCK_KEY = 4_402_117


def _next_seq(session: Session) -> int:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    return (session.scalar(select(func.max(OfferProjection.seq))) or 0) + 1


def _apply(session: Session, offer_id: int, version: int, status: str, snapshot: dict[str, Any] | None) -> bool:
    seq = _next_seq(session)  # first: the lock also orders the read of the stored version
    row = session.get(OfferProjection, offer_id)
    if row is not None and row.version >= version:
        return False
    if row is None:
        row = OfferProjection(offer_id=offer_id)
        session.add(row)
    row.version, row.status, row.snapshot = version, status, snapshot
    row.changed_at, row.seq = utcnow(), seq
    return True


def apply_snapshot(session: Session, data: dict[str, Any]) -> bool:
    """Store an ``OfferSnapshot`` (published, updated, unpublished) unless a newer one is stored."""
    snapshot = OfferSnapshot.model_validate(data)
    return _apply(session, snapshot.offer_id, snapshot.version, snapshot.status, snapshot.model_dump(mode="json"))


def apply_deletion(session: Session, data: dict[str, Any]) -> bool:
    """Mark the offer deleted unless a newer snapshot is stored."""
    deleted = OfferDeleted.model_validate(data)
    return _apply(session, deleted.offer_id, deleted.version, DELETED, None)


def changes_since(session: Session, seq: int, batch: int = 2000) -> Iterator[OfferProjection]:
    """The rows changed after ``seq``, in ``seq`` order."""
    while True:
        rows = session.scalars(
            select(OfferProjection).where(OfferProjection.seq > seq).order_by(OfferProjection.seq).limit(batch)
        ).all()
        yield from rows
        if len(rows) < batch:
            return
        seq = rows[-1].seq


def pupil_status(row: OfferProjection) -> str:
    """The offer's status as pupils meet it: a published offer marked « à mettre à jour »
    (``need_to_be_updated``) is hidden like an unpublished one until its host updates it."""
    if row.status == PUBLISHED and row.snapshot is not None and row.snapshot.get("need_to_be_updated"):
        return NEEDS_UPDATE
    return row.status


def apply_to_index(index: OfferIndex, row: OfferProjection) -> None:
    """Make the index agree with one projection row: offers pupils can find in, the others out."""
    if pupil_status(row) == PUBLISHED and row.snapshot is not None:
        index.upsert(IndexedOffer.from_snapshot(OfferSnapshot.model_validate(row.snapshot)))
    else:
        index.remove(row.offer_id)
