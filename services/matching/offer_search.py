"""The pupils' search: who asks, what their defaults are, and the answer (one indexed lookup).

A pupil (role ``student``) searches by default around their school, for their grade (the
gateway passes it: identity holds it) and their school's chosen weeks, and sees the offers
reserved to their school, to REP/REP+ collèges when theirs is one, to QPV lycées when theirs
is one. Anyone else is an anonymous audience and gives the place.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.search import OfferSearchQuery
from services.common.errors import validation_error
from services.common.identifiers import normalize_uai
from services.common.school_calendar import SchoolYear
from services.matching import rules
from services.matching.models import School, SchoolWeek
from services.matching.offer_index import Audience, IndexedOffer, OfferIndex, SearchQuery

PUPIL = "student"


@lru_cache(maxsize=4)
def _remaining_college_weeks(today: date) -> frozenset[str]:
    year = SchoolYear.current(today)
    return frozenset(str(week) for week in year.college_weeks() if week.friday >= today)


def weeks_shown(offer: IndexedOffer, today: date) -> list[str]:
    """An offer's weeks as pupils read them: an all-year offer lists the collège weeks to come."""
    if offer.all_year:
        return sorted(offer.weeks | _remaining_college_weeks(today))
    return sorted(offer.weeks)


def found(distance: float, offer: IndexedOffer, today: date) -> dict[str, Any]:
    return {
        "id": offer.offer_id,
        "title": offer.title,
        "employer_name": offer.employer_name,
        "city": offer.city,
        "zipcode": offer.zipcode,
        "distance_km": round(distance, 1),
        "weeks": weeks_shown(offer, today),
        "all_year": offer.all_year,
        "remaining_seats": offer.remaining_seats,
        "sector": offer.sector,
        "latitude": offer.latitude,
        "longitude": offer.longitude,
        "reserved_for": {
            "rep": offer.reserved_rep,
            "qpv": offer.reserved_qpv,
            # The search's answer names one school (contracts/search.py): the first the host chose.
            "school_uai": offer.reserved_school_uais[0] if offer.reserved_school_uais else None,
        },
    }


def pupil_audience(session: Session, uai: str) -> tuple[Audience, School | None]:
    """Who a pupil of school ``uai`` is for reserved offers, and their school (None when unknown)."""
    school = session.get(School, uai)
    if school is None:  # a directory not loaded yet: only the offers reserved to their UAI
        return Audience(school_uai=uai), None
    return Audience(school_uai=uai, rep=school.rep is not None, qpv=school.qpv), school


def _pupil_defaults(
    session: Session, uai: str, query: OfferSearchQuery, today: date
) -> tuple[Audience, tuple[float, float] | None, list[str]]:
    """The pupil's audience, their school's place and the weeks it chose (when it is known)."""
    audience, school = pupil_audience(session, uai)
    if school is None:
        return audience, None, []
    weeks: list[str] = []
    # School weeks are collège weeks: they say nothing of the seconde period.
    if query.grade != "seconde" and not query.weeks:
        chosen = session.scalars(select(SchoolWeek.week).where(SchoolWeek.uai == uai))
        weeks = rules.weeks_of_year(chosen, today)
    return audience, (school.latitude, school.longitude), weeks


def search(
    session: Session, index: OfferIndex, actor: Actor | None, query: OfferSearchQuery, today: date
) -> dict[str, Any]:
    """``{total, page, per_page, results}`` nearest first."""
    audience, place, weeks = Audience(), None, list(query.weeks)
    if actor is not None and actor.role == PUPIL and actor.school_uai:
        audience, place, school_weeks = _pupil_defaults(session, normalize_uai(actor.school_uai), query, today)
        weeks = weeks or school_weeks
    if query.latitude is not None and query.longitude is not None:
        place = (query.latitude, query.longitude)
    if place is None:
        message = "Indiquez le lieu de la recherche (latitude et longitude)."
        raise validation_error({"latitude": [message], "longitude": [message]})
    page = index.search(
        SearchQuery(
            latitude=place[0],
            longitude=place[1],
            radius_km=query.radius_km,
            grade=query.grade,
            weeks=frozenset(weeks),
            keyword=query.keyword,
            sector=query.sector,
            page=query.page,
            per_page=query.per_page,
        ),
        audience,
    )
    return {
        "total": page.total,
        "page": query.page,
        "per_page": query.per_page,
        "results": [found(distance, offer, today) for distance, offer in page.results],
    }
