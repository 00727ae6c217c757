"""The pupils' favourite offers (« Mes offres favorites »), stored in matching beside the
projection of offers that gives what a favourite shows (rules: ``favourite_rules``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.offers import OfferSnapshot
from services.common.database import upsert_insert, utcnow
from services.common.geography import distance_km
from services.common.identifiers import normalize_uai
from services.common.reservations import Audience
from services.matching import favourite_rules as rules
from services.matching.models import Favourite, OfferProjection, School
from services.matching.offer_index import IndexedOffer, visible_to
from services.matching.offer_projection import pupil_status
from services.matching.offer_search import found, pupil_audience

# A page of results asks about its own offers: far fewer.
MAX_ASKED = 500


def _audience(session: Session, actor: Actor) -> tuple[Audience, School | None]:
    if not actor.school_uai:
        return Audience(), None
    return pupil_audience(session, normalize_uai(actor.school_uai))


def _offer(row: OfferProjection | None) -> IndexedOffer | None:
    if row is None or row.snapshot is None:
        return None
    return IndexedOffer.from_snapshot(OfferSnapshot.model_validate(row.snapshot))


def _shown(
    offer: IndexedOffer, status: str, audience: Audience, school: School | None, added_at: Any, today: date
) -> dict[str, Any]:
    """A favourite in the search's result shape, measured from the pupil's school."""
    distance = distance_km(school.latitude, school.longitude, offer.latitude, offer.longitude) if school else None
    entry = found(distance if distance is not None else 0.0, offer, today)
    entry["distance_km"] = round(distance, 1) if distance is not None else None
    entry["available"] = rules.is_available(status, visible_to(offer, audience))
    entry["added_at"] = added_at.isoformat()
    return entry


def add(session: Session, actor: Actor, offer_id: int, today: date) -> dict[str, Any]:
    """Keep ``offer_id`` among the pupil's favourites (again: nothing changes); the favourite."""
    rules.check_pupil(actor)
    row = session.get(OfferProjection, offer_id)
    offer = _offer(row)
    audience, school = _audience(session, actor)
    if row is None or offer is None or not rules.may_add(pupil_status(row), visible_to(offer, audience)):
        raise rules.unknown_offer()
    # Two clicks at once: the unique pair keeps one row, the second insert does nothing.
    insert = upsert_insert(session)
    session.execute(
        insert(Favourite)
        .values(pupil_id=actor.user_id, offer_id=offer_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["pupil_id", "offer_id"])
    )
    added_at = session.scalar(
        select(Favourite.created_at).where(Favourite.pupil_id == actor.user_id, Favourite.offer_id == offer_id)
    )
    return _shown(offer, pupil_status(row), audience, school, added_at, today)


def remove(session: Session, actor: Actor, offer_id: int) -> None:
    """Take ``offer_id`` out of the pupil's favourites (not there: nothing changes).

    404 only for an offer matching never heard of and that is not a favourite.
    """
    rules.check_pupil(actor)
    removed = session.execute(
        delete(Favourite).where(Favourite.pupil_id == actor.user_id, Favourite.offer_id == offer_id)
    ).rowcount
    if not removed and session.get(OfferProjection, offer_id) is None:
        raise rules.unknown_offer()


def listing(session: Session, actor: Actor, page: int, per_page: int, today: date) -> dict[str, Any]:
    """``{total, page, per_page, results}``: the pupil's favourites, the last added first."""
    rules.check_pupil(actor)
    listed = (
        select(Favourite, OfferProjection)
        .join(OfferProjection, OfferProjection.offer_id == Favourite.offer_id)
        .where(Favourite.pupil_id == actor.user_id, OfferProjection.status != rules.DELETED)
        .where(OfferProjection.snapshot.is_not(None))
    )
    total = session.scalar(select(func.count()).select_from(listed.subquery())) or 0
    rows = session.execute(
        listed.order_by(Favourite.created_at.desc(), Favourite.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    audience, school = _audience(session, actor)
    results = []
    for favourite, row in rows:
        offer = _offer(row)
        if offer is not None and rules.is_listed(row.status):
            results.append(_shown(offer, pupil_status(row), audience, school, favourite.created_at, today))
    return {"total": total, "page": page, "per_page": per_page, "results": results}


def among(session: Session, actor: Actor, offer_ids: Iterable[int]) -> list[int]:
    """Which of ``offer_ids`` are the pupil's favourites (the buttons of a results page)."""
    wanted = sorted({int(offer_id) for offer_id in offer_ids})[:MAX_ASKED]
    if actor.role != rules.PUPIL or not wanted:
        return []
    return list(
        session.scalars(
            select(Favourite.offer_id).where(Favourite.pupil_id == actor.user_id, Favourite.offer_id.in_(wanted))
        )
    )
