"""The seat counter of each offer: approvals take a seat, cancellations give it back.

The count of seats comes from offers (asked at each application and approval, given to the unit
of work's ``seats.sync``); the count of approved pupils lives here, next to the approvals, in the
unit of work's ``seats`` (which never overdraws it, however many pupils approve at once). Every change is emitted
(``offer_seats_changed``) so offers refuses to shrink or delete an offer below its approved
pupils and matching hides full offers.
"""

from __future__ import annotations

from services.common.contracts.conventions import OFFER_SEATS_CHANGED, OfferSeatsChanged
from services.common.errors import conflict
from services.conventions.unit_of_work import ConventionsUnitOfWork, SeatCount


def take(uow: ConventionsUnitOfWork, offer_id: int) -> None:
    """Take one seat; 409 ``NO_SEAT_LEFT`` when the offer is full."""
    counter = uow.seats.take(offer_id)
    if counter is None:
        raise conflict("NO_SEAT_LEFT", "Toutes les places de cette offre sont déjà prises.")
    _announce(uow, offer_id, counter)


def give_back(uow: ConventionsUnitOfWork, offer_id: int) -> None:
    """Give one seat back (an approved application was cancelled)."""
    _announce(uow, offer_id, uow.seats.give_back(offer_id))


def _announce(uow: ConventionsUnitOfWork, offer_id: int, counter: SeatCount) -> None:
    uow.emit(
        OFFER_SEATS_CHANGED,
        OfferSeatsChanged(offer_id=offer_id, approved_count=counter.approved, sequence=counter.sequence),
    )
