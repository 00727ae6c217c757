"""Partner (operator) offers of the API v2: keyed by the operator's ``remote_id``.

The answers have the national platform's shapes, field for field (samples in
``shared/data/api-v2-samples``), so existing partner clients work unchanged; the answers about
the operator's own offers (create, update, destroy, index) end with two fields of ours,
``need_to_be_updated`` and ``update_reason`` (``review_state``): the review pass marks a
partner's offer as it marks a team's, and the partner has no other way to learn it.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import partner_errors
from services.common.contracts.offers import (
    OFFER_DELETED,
    OFFER_PUBLISHED,
    OFFER_UNPUBLISHED,
    OFFER_UPDATED,
    OfferDeleted,
)
from services.common.database import utcnow
from services.common.outbox import emit
from services.common.school_calendar import PARIS, SchoolYear, Week, french_date
from services.common.sectors import SECTORS
from services.offers.catalogue import recheck_update_need, snapshot, touch
from services.offers.models import Offer
from services.offers.offer_mapping import apply, body_of
from services.offers.partner_payload import Command, PartnerOfferBody, command_of
from services.offers.rules import open_weeks

PER_PAGE = 30
_SECTOR_NAMES = {sector.code: sector.name for sector in SECTORS}


def _instant(value: datetime | None) -> str | None:
    """``2025-03-01T00:00:00.000+01:00``: Paris time with milliseconds, as the national API."""
    return value.astimezone(PARIS).isoformat(timespec="milliseconds") if value else None


def _weeks(offer: Offer, today: date) -> list[Week]:
    college, seconde = open_weeks(offer.college_weeks, offer.seconde_period, today)
    return sorted(Week.parse(text) for text in set(college) | set(seconde))


def review_state(offer: Offer) -> dict[str, Any]:
    """Whether the review pass marked the offer « à mettre à jour » (out of the search until the
    partner updates it) and why: the v1 ``OfferOut``'s two fields."""
    return {"need_to_be_updated": bool(offer.need_to_be_updated), "update_reason": offer.update_reason}


def offer_view(offer: Offer, today: date) -> dict[str, Any]:
    """The answer to create, update and destroy."""
    return {
        "title": offer.title,
        "description": offer.description,
        "employer_name": offer.employer_name,
        "employer_description": offer.employer_description,
        "employer_website": offer.employer_website,
        "street": offer.street,
        "zipcode": offer.zipcode,
        "city": offer.city,
        "remote_id": offer.remote_id,
        "permalink": offer.permalink,
        "max_candidates": offer.max_candidates,
        "published_at": _instant(offer.published_at) if offer.status == "published" else None,
        "is_public": offer.employer_is_public,
        "formatted_coordinates": {"latitude": offer.latitude, "longitude": offer.longitude},
        "weeks": [week.unpadded() for week in _weeks(offer, today)],
        "grades": list(offer.grades),
        **review_state(offer),
    }


def _day(value: date) -> str:
    # The national API pads the day with a space ("%e"): " 4 septembre 2023".
    return f"{value.day:>2} " + french_date(value).split(" ", 1)[1]


def _period(offer: Offer) -> int:
    return {"week_1": 1, "week_2": 2}.get(offer.seconde_period or "", 0)


def listed_view(offer: Offer, today: date, public_url: str, page: int, operator_id: int) -> dict[str, Any]:
    """One offer of an index or a search page."""
    weeks = _weeks(offer, today)
    return {
        "id": offer.id,
        "title": offer.title,
        "description": offer.description,
        "employer_name": offer.employer_name,
        "url": f"{public_url}/offres-de-stage/{offer.id}?page={page}&utm_source=operator-{operator_id}",
        "city": offer.city,
        "zipcode": offer.zipcode,
        "street": offer.street,
        "date_start": _day(weeks[0].monday) if weeks else None,
        "date_end": _day(weeks[-1].friday) if weeks else None,
        "latitude": offer.latitude,
        "longitude": offer.longitude,
        "image": f"{public_url}/static/sectors/{offer.sector}.svg",
        "sector": _SECTOR_NAMES.get(offer.sector, offer.sector),
        "handicap_accessible": offer.handicap_accessible,
        "period": _period(offer),
        "weeks": ", ".join(f"du {w.monday:%d/%m/%Y} au {w.friday:%d/%m/%Y}" for w in weeks),
        "remote_id": offer.remote_id,
        "is_public": offer.employer_is_public,
        "employer_website": offer.employer_website,
        "employer_description": offer.employer_description,
        "grades": list(offer.grades),
        "permalink": offer.permalink,
        "rep": offer.reserved_rep,
        "qpv": offer.reserved_qpv,
    }


def _page(
    offers: list[Offer],
    total: int,
    page: int,
    base: str,
    today: date,
    public_url: str,
    operator_id: int,
    *,
    own: bool = False,
) -> dict[str, Any]:
    """``own``: the operator's own offers (the index), each with its ``review_state``."""
    pages = max(1, math.ceil(total / PER_PAGE))
    return {
        "pagination": {
            "totalInternshipOffers": total,
            "internshipOffersPerPage": PER_PAGE,
            "totalPages": pages,
            "currentPage": page,
            "nextPage": f"{base}?page={page + 1}" if page < pages else None,
            "prevPage": f"{base}?page={page - 1}" if page > 1 else None,
            "isFirstPage": page == 1,
            "isLastPage": page >= pages,
            "pageUrlBase": base,
        },
        "internshipOffers": [
            {**listed_view(offer, today, public_url, page, operator_id), **(review_state(offer) if own else {})}
            for offer in offers
        ],
    }


def _store(offer: Offer, body: PartnerOfferBody, today: date) -> None:
    """The command's content in the row, through the one mapping of hosts' offers too; checked
    against this school year's rules, the offer is now this year's (``school_year``)."""
    apply(offer, body)
    offer.school_year = SchoolYear.current(today).start_year
    offer.lunch_break = body.lunch_break or ""  # the column keeps "" for none
    offer.remote_id, offer.permalink = body.remote_id, body.permalink
    offer.handicap_accessible = body.handicap_accessible


def _set_publication(offer: Offer, command: Command) -> None:
    """``published_at`` null unpublishes, an instant publishes then; absent changes nothing."""
    if not command.says_publication:
        return
    published_at = command.body.published_at
    if published_at is None:
        offer.status, offer.published_at = "unpublished", None
    else:
        offer.status, offer.published_at = "published", published_at


def _stored(offer: Offer) -> dict[str, Any]:
    """The offer as a v1 command's fields, for a change to start from."""
    body = body_of(offer)
    body.update(remote_id=offer.remote_id, permalink=offer.permalink, handicap_accessible=offer.handicap_accessible)
    return body


def _find(session: Session, operator_id: int, remote_id: str, include_destroyed: bool = False) -> Offer:
    offers = session.scalars(select(Offer).where(Offer.remote_id == remote_id, Offer.operator_id.is_not(None))).all()
    own = next((offer for offer in offers if offer.operator_id == operator_id), None)
    if own is None:
        if offers:
            raise partner_errors.forbidden()
        raise partner_errors.not_found("can't find internship_offer with this remote_id")
    if own.deleted_at is not None and not include_destroyed:
        raise partner_errors.not_found("can't find internship_offer with this remote_id")
    return own


def create(session: Session, operator_id: int, payload: Any, today: date) -> dict[str, Any]:
    """A new offer of the operator (the v1 command of its payload); its ``remote_id`` must be
    new for that operator."""
    command = command_of(payload, None, today)
    remote_id = command.body.remote_id
    taken = session.scalar(select(Offer.id).where(Offer.operator_id == operator_id, Offer.remote_id == remote_id))
    if taken is not None:
        raise partner_errors.duplicate_api(f"api with this remote_id ({remote_id}) already exists")
    now = utcnow()
    offer = Offer(
        created_by=operator_id, operator_id=operator_id, status="published", version=1, created_at=now,
        updated_at=now, published_at=now, approved_count=0,
    )  # fmt: skip
    _store(offer, command.body, today)
    _set_publication(offer, command)
    session.add(offer)
    session.flush()
    if offer.status == "published":
        emit(session, OFFER_PUBLISHED, snapshot(offer, today))
    return offer_view(offer, today)


def update(session: Session, operator_id: int, remote_id: str, payload: Any, today: date) -> dict[str, Any]:
    """Change the given fields; ``published_at: null`` unpublishes, a date republishes."""
    offer = _find(session, operator_id, remote_id)
    command = command_of(payload, _stored(offer), today, offer.approved_count)
    if command.body.remote_id != remote_id:
        raise partner_errors.validation_error({"remote_id": ["cannot be changed"]})
    was_published = offer.status == "published"
    _store(offer, command.body, today)
    _set_publication(offer, command)
    # Updated, a marked offer is back in the search unless a reason is left (as a host's).
    recheck_update_need(offer, today)
    touch(offer)
    if offer.status == "published":
        emit(session, OFFER_UPDATED if was_published else OFFER_PUBLISHED, snapshot(offer, today))
    elif was_published:
        emit(session, OFFER_UNPUBLISHED, snapshot(offer, today))
    return offer_view(offer, today)


def destroy(session: Session, operator_id: int, remote_id: str, today: date) -> dict[str, Any]:
    """Delete the offer; a second time answers API_ALREADY_DESTROYED."""
    offer = _find(session, operator_id, remote_id, include_destroyed=True)
    if offer.deleted_at is not None:
        raise partner_errors.api_already_destroyed()
    if offer.approved_count > 0:
        raise partner_errors.wrong_params("Pupils were already approved for this offer: it cannot be destroyed")
    offer.deleted_at = utcnow()
    touch(offer)
    emit(session, OFFER_DELETED, OfferDeleted(offer_id=offer.id, version=offer.version))
    return offer_view(offer, today)


def index(session: Session, operator_id: int, page: int, today: date, public_url: str) -> dict[str, Any]:
    """The operator's own offers, 30 a page."""
    query = select(Offer).where(Offer.operator_id == operator_id, Offer.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offers = session.scalars(query.order_by(Offer.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    base = f"{public_url}/api/v2/internship_offers"
    return _page(list(offers), total, page, base, today, public_url, operator_id, own=True)


def search(
    session: Session, operator_id: int, found: dict[str, Any], page: int, today: date, public_url: str
) -> dict[str, Any]:
    """A page of the partner search: ``found`` is matching's answer (``partner_search_ids``:
    the total and the page's offer ids in order); only the page's offers are loaded. An offer
    deleted or unpublished since matching last heard of it is left out of the page."""
    ids = [int(offer_id) for offer_id in found["offer_ids"]]
    query = select(Offer).where(Offer.id.in_(ids), Offer.status == "published", Offer.deleted_at.is_(None))
    loaded = {offer.id: offer for offer in session.scalars(query)} if ids else {}
    offers = [loaded[offer_id] for offer_id in ids if offer_id in loaded]
    base = f"{public_url}/api/v2/internship_offers/search"
    return _page(offers, int(found["total"]), page, base, today, public_url, operator_id)
