"""The offers' side of applications: what conventions reads of an offer, and its seats.

Conventions owns applications. When a pupil applies it asks ``offer_for_application``;
when approvals change it tells the offer's approved count (``offer_seats_changed``), which
offers stores and passes on to matching in the offer's snapshot, so a full offer leaves
the pupils' search and comes back when a seat frees up.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from services.common.contracts.conventions import OfferSeatsChanged
from services.common.contracts.offers import OFFER_UPDATED, OfferForApplication
from services.common.errors import not_found
from services.offers.catalogue import recheck_update_need, snapshot, touch
from services.offers.offer_mapping import flat_values
from services.offers.rules import open_weeks
from services.offers.unit_of_work import OffersUnitOfWork

_log = logging.getLogger(__name__)

DELETED = "deleted"


def offer_for_application(uow: OffersUnitOfWork, offer_id: int, today: date) -> dict[str, Any]:
    """The ``OfferForApplication`` of any offer, deleted ones included (status ``deleted``).

    Conventions decides what an application to an unpublished or deleted offer means, so
    every stored offer is answered; only an unknown id is ``NOT_FOUND``.
    """
    offer = uow.offers.get(offer_id)
    if offer is None:
        raise not_found(f"Offre introuvable (n° {offer_id}).")
    _, seconde_weeks = open_weeks(offer.college_weeks, offer.seconde_period, today)
    return OfferForApplication.model_validate(
        {
            **flat_values(offer, OfferForApplication),
            "offer_id": offer.id,
            "status": DELETED if offer.deleted_at is not None else offer.status,
            "seconde_weeks": seconde_weeks,
            # None on a row not yet flushed (its column default comes with the INSERT)
            "need_to_be_updated": bool(offer.need_to_be_updated),
        }
    ).model_dump(mode="json")


def apply_seats_changed(uow: OffersUnitOfWork, data: dict[str, Any], today: date) -> bool:
    """Store an offer's approved count unless a newer one is stored; True when applied.

    A changed count makes a new version of the offer, whose snapshot (``remaining_seats``)
    goes to matching through the outbox as any other change of the offer.
    """
    change = OfferSeatsChanged.model_validate(data)
    # Locked (on PostgreSQL) so that two counts of one offer handled at once are applied
    # one after the other: each sees the sequence the other stored.
    offer = uow.offers.get(change.offer_id, lock=True)
    if offer is None:
        _log.warning("seat count for unknown offer %s ignored", change.offer_id)
        return False
    if change.sequence <= offer.seats_sequence:
        _log.info(
            "stale seat count of offer %s ignored (sequence %s, stored %s)",
            offer.id,
            change.sequence,
            offer.seats_sequence,
        )
        return False
    offer.seats_sequence = change.sequence
    if change.approved_count == offer.approved_count:
        return True
    if change.approved_count > offer.max_candidates:
        # Conventions never approves more pupils than seats; a host shrinking the offer at
        # the same moment can still get here. The count is a fact: store it, say it.
        _log.warning(
            "offer %s has %s approved pupils for %s seats", offer.id, change.approved_count, offer.max_candidates
        )
    offer.approved_count = change.approved_count
    if offer.deleted_at is not None:
        # Matching has forgotten the offer: a snapshot newer than its deletion would bring it back.
        return True
    # A seat freed (a cancelled convention) puts an offer marked « complète » back in the search.
    recheck_update_need(offer, today)
    touch(offer)
    uow.emit(OFFER_UPDATED, snapshot(offer, today))
    return True
