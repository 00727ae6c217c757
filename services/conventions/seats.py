"""The seat counter of each offer: approvals take a seat, cancellations give it back.

The count of seats comes from offers (asked at each application and approval); the count of
approved pupils lives here, next to the approvals, and is changed only by conditional
UPDATEs, so fifty pupils approving at once on an offer of three seats get exactly three.
Every change is emitted (``offer_seats_changed``) so offers refuses to shrink or delete an
offer below its approved pupils and matching hides full offers.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.contracts.conventions import OFFER_SEATS_CHANGED, OfferSeatsChanged
from services.common.database import upsert_insert
from services.common.errors import conflict
from services.common.outbox import emit
from services.conventions.models import OfferSeats


def sync(session: Session, offer_id: int, seats: int, approved_known_by_offers: int) -> OfferSeats:
    """The offer's counter, created on first use, with its seats as offers says now."""
    table = OfferSeats.__table__
    # Two first approvals at once both insert: the second one's row is ignored, not an error.
    session.execute(
        upsert_insert(session)(table)
        .values(offer_id=offer_id, seats=seats, approved=approved_known_by_offers, sequence=0)
        .on_conflict_do_nothing(index_elements=[table.c.offer_id])
    )
    counter = session.scalars(select(OfferSeats).where(OfferSeats.offer_id == offer_id)).one()
    if counter.seats != seats:
        session.execute(
            update(OfferSeats)
            .where(OfferSeats.offer_id == offer_id)
            .values(seats=seats)
            .execution_options(synchronize_session=False)
        )
        session.refresh(counter)
    return counter


def take(session: Session, offer_id: int) -> None:
    """Take one seat; 409 ``NO_SEAT_LEFT`` when the offer is full."""
    taken = session.execute(
        update(OfferSeats)
        .where(OfferSeats.offer_id == offer_id, OfferSeats.approved < OfferSeats.seats)
        .values(approved=OfferSeats.approved + 1, sequence=OfferSeats.sequence + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise conflict("NO_SEAT_LEFT", "Toutes les places de cette offre sont déjà prises.")
    _announce(session, offer_id)


def give_back(session: Session, offer_id: int) -> None:
    """Give one seat back (an approved application was cancelled)."""
    session.execute(
        update(OfferSeats)
        .where(OfferSeats.offer_id == offer_id, OfferSeats.approved > 0)
        .values(approved=OfferSeats.approved - 1, sequence=OfferSeats.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    _announce(session, offer_id)


def _announce(session: Session, offer_id: int) -> None:
    counter = session.execute(
        select(OfferSeats.approved, OfferSeats.sequence).where(OfferSeats.offer_id == offer_id)
    ).one()
    emit(
        session,
        OFFER_SEATS_CHANGED,
        OfferSeatsChanged(offer_id=offer_id, approved_count=counter.approved, sequence=counter.sequence),
    )
