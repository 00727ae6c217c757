"""The review pass: published offers that need updating are marked, once.

The teams' offers and the partners' (API v2) alike, by the same rules (``review_rules``). Each
offer is marked in its own transaction by a conditional UPDATE (``need_to_be_updated`` still
false, the version read still the stored one), with its events in the same transaction (the
outbox): the snapshot that takes it out of the search and, for a team's offer,
``offer_needs_update`` that has the host emailed (a partner has no one to email: it reads the
mark in its API v2 answers, ``partner``). Two replicas' passes at once, or a pass beside the
command, mark an offer once: the second UPDATE finds no row (on PostgreSQL it waits for the
first's row lock, then sees the flag set). An offer changed since it was read is left for the
next pass.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.contracts.offers import OFFER_NEEDS_UPDATE, OFFER_UPDATED, OfferNeedsUpdate, UpdateReason
from services.common.database import utcnow
from services.common.outbox import emit
from services.offers.catalogue import reason_to_update, snapshot
from services.offers.models import Offer

Transaction = Callable[[], AbstractContextManager[Session]]
# Offers read per query while looking for those due: the pass never holds every offer at once.
BATCH = 500


class Due(NamedTuple):
    offer_id: int
    version: int
    reason: UpdateReason


def due_offers(session: Session, today: date, after_id: int = 0, batch: int = BATCH) -> tuple[list[Due], int | None]:
    """The published offers, teams' and partners' (ids above ``after_id``, ``batch`` of them),
    not yet marked that need updating today; and the last id read (None when there were no more)."""
    rows = session.scalars(
        select(Offer)
        .where(
            Offer.id > after_id,
            Offer.status == "published",
            Offer.deleted_at.is_(None),
            Offer.need_to_be_updated.is_(False),
        )
        .order_by(Offer.id)
        .limit(batch)
    ).all()
    due = [Due(offer.id, offer.version, reason) for offer in rows if (reason := reason_to_update(offer, today))]
    return due, (rows[-1].id if rows else None)


def mark(session: Session, due: Due, today: date) -> bool:
    """Mark one offer and emit its events; False when another pass (or a change) came first."""
    marked = session.execute(
        update(Offer)
        .where(Offer.id == due.offer_id, Offer.version == due.version, Offer.need_to_be_updated.is_(False))
        .values(need_to_be_updated=True, update_reason=due.reason, version=due.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        return False
    offer = session.get(Offer, due.offer_id, populate_existing=True)
    assert offer is not None
    emit(session, OFFER_UPDATED, snapshot(offer, today))
    if offer.team_id is None:
        return True  # a partner's offer: no host to tell
    notice = OfferNeedsUpdate(
        offer_id=offer.id,
        version=offer.version,
        team_id=offer.team_id,
        space_id=offer.space_id,
        title=offer.title,
        reason=due.reason,
    )
    emit(session, OFFER_NEEDS_UPDATE, notice)
    return True


def run(transaction: Transaction, today: date, batch: int = BATCH) -> int:
    """One pass over every published offer; how many this pass marked."""
    marked, after_id = 0, 0
    while True:
        with transaction() as session:
            due, last_id = due_offers(session, today, after_id, batch)
        for offer in due:
            with transaction() as session:
                marked += mark(session, offer, today)
        if last_id is None:
            return marked
        after_id = last_id
