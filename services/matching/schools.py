"""Schools directory use cases: search, read, and the school's choice of weeks.

Each function works in the caller's transaction. The directory is read from the database on
every call (no cache), so a school the importer commits is served at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.schools import (
    SCHOOL_WEEKS_CHANGED,
    SchoolFound,
    SchoolOut,
    SchoolSearchQuery,
    SchoolWeeksChanged,
)
from services.common.database import utcnow
from services.common.errors import DomainError, forbidden, not_found, validation_error
from services.common.geography import HALF_CIRCUMFERENCE_KM, bounding_box, distance_km
from services.common.identifiers import normalize_uai
from services.common.outbox import emit
from services.common.staff_confirmation import require_confirmed
from services.common.text import fold
from services.matching import rules
from services.matching.models import School, SchoolWeek

# First radius of a nearest-first search, widened fourfold until a page is full.
FIRST_RADIUS_KM = 25.0


def school_out(school: School) -> dict[str, Any]:
    """A school as the API shows it."""
    return SchoolOut.model_validate(school, from_attributes=True).model_dump(mode="json")


def unknown_school() -> DomainError:
    """404 for a UAI the directory does not know (the same for any caller)."""
    return not_found("Établissement introuvable.")


def _school(session: Session, uai: str, lock: bool = False) -> School:
    # lock: two staff members saving the weeks at once take turns (PostgreSQL; SQLite has
    # one writer at a time anyway) instead of one failing on the other's new rows.
    school = session.get(School, normalize_uai(uai), with_for_update=lock)
    if school is None:
        raise unknown_school()
    return school


def get(session: Session, uai: str) -> dict[str, Any]:
    """One school; 404 when the directory does not know the UAI."""
    return school_out(_school(session, uai))


def exists(session: Session, uai: str) -> bool | None:
    """Whether the directory knows the UAI; None while the directory is still empty.

    Identity and offers then fall back on the UAI's checksum (a platform before its first
    import still lets schools sign up).
    """
    if session.get(School, normalize_uai(uai)) is not None:
        return True
    return False if session.scalar(select(School.uai).limit(1)) is not None else None


def unknown(session: Session, uais: list[str]) -> list[str] | None:
    """The UAIs the directory does not know, in the given order; None while it is empty.

    One query for the whole list (an offer may be reserved to up to 50 schools).
    """
    wanted = list(dict.fromkeys(normalize_uai(uai) for uai in uais))
    known = set(session.scalars(select(School.uai).where(School.uai.in_(wanted)))) if wanted else set()
    if not known and session.scalar(select(School.uai).limit(1)) is None:
        return None
    return [uai for uai in wanted if uai not in known]


def _matching(query: SchoolSearchQuery) -> Select[tuple[School]]:
    statement = select(School)
    # Every word of the query must appear (accents and case aside) in the name, the city, the
    # zipcode or the UAI. fold() leaves only [a-z0-9 ], so no LIKE wildcard can slip in.
    for word in fold(query.q or "").split():
        statement = statement.where(School.search_text.contains(word))
    return statement


def _found(school: School, distance: float | None) -> dict[str, Any]:
    answer = SchoolFound.model_validate(school, from_attributes=True)
    answer.distance_km = None if distance is None else round(distance, 1)
    return answer.model_dump(mode="json")


def _nearest(
    session: Session, statement: Select[tuple[School]], latitude: float, longitude: float, count: int, total: int
) -> list[tuple[float, School]]:
    """The ``count`` schools of ``statement`` nearest to the point, nearest first.

    Only the schools inside a box around the point are loaded; the box widens until it holds
    ``count`` schools within its radius (those are then surely the nearest) or everything.
    """
    radius = FIRST_RADIUS_KM
    while True:
        box = bounding_box(latitude, longitude, radius)
        boxed = statement.where(School.latitude.between(box.min_latitude, box.max_latitude))
        if box.min_longitude is not None and box.max_longitude is not None:
            boxed = boxed.where(School.longitude.between(box.min_longitude, box.max_longitude))
        ranked = sorted(
            ((distance_km(latitude, longitude, s.latitude, s.longitude), s) for s in session.scalars(boxed)),
            key=lambda pair: (pair[0], pair[1].name, pair[1].uai),
        )
        if len(ranked) == total or radius >= HALF_CIRCUMFERENCE_KM:
            return ranked[:count]
        within = [pair for pair in ranked if pair[0] <= radius]
        if len(within) >= count:
            return within[:count]
        radius *= 4


def search(session: Session, query: SchoolSearchQuery) -> dict[str, Any]:
    """Schools by name, city, zipcode or UAI; nearest first when a point is given, else by name."""
    statement = _matching(query)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    offset = (query.page - 1) * query.per_page
    if query.latitude is not None and query.longitude is not None:
        if offset >= total:
            nearest: list[tuple[float, School]] = []
        else:
            nearest = _nearest(session, statement, query.latitude, query.longitude, offset + query.per_page, total)
        results = [_found(school, distance) for distance, school in nearest[offset:]]
    else:
        page = session.scalars(statement.order_by(School.name, School.uai).offset(offset).limit(query.per_page))
        results = [_found(school, None) for school in page]
    return {"results": results, "total": total, "page": query.page, "per_page": query.per_page}


def _stored_weeks(session: Session, uai: str) -> dict[str, SchoolWeek]:
    return {row.week: row for row in session.scalars(select(SchoolWeek).where(SchoolWeek.uai == uai))}


def weeks_of(session: Session, uai: str, today: date) -> dict[str, list[str]]:
    """The weeks of the current school year the school chose (past ones included)."""
    school = _school(session, uai)
    return {"weeks": rules.weeks_of_year(_stored_weeks(session, school.uai), today)}


def set_weeks(session: Session, actor: Actor, uai: str, weeks: list[str], today: date) -> dict[str, list[str]]:
    """Replace the school's upcoming weeks by ``weeks`` (well-formed, ``YYYY-Www``).

    Only that school's staff may; each new week must be a collège week of the current school
    year that is not over. Emits ``school_weeks_changed`` when the choice changed.
    """
    if not rules.may_set_weeks(actor, normalize_uai(uai)):
        raise forbidden("Seule l'équipe de l'établissement (direction, professeurs) choisit ses semaines de stage.")
    # The weeks are where the school's pupils will be: a teacher not yet confirmed by the
    # head of school has no say.
    require_confirmed(actor)
    school = _school(session, uai, lock=True)
    stored = _stored_weeks(session, school.uai)
    problems = rules.week_problems(weeks, set(stored), today)
    if problems:
        raise validation_error({"weeks": problems})
    wanted = rules.weeks_after_change(weeks, set(stored), today)
    removed, added = set(stored) - wanted, wanted - set(stored)
    if removed:
        session.execute(delete(SchoolWeek).where(SchoolWeek.uai == school.uai, SchoolWeek.week.in_(removed)))
    now = utcnow()
    for week in sorted(added):
        session.add(SchoolWeek(uai=school.uai, week=week, set_by=actor.user_id, set_at=now))
    current = rules.weeks_of_year(wanted, today)
    if removed or added:
        emit(session, SCHOOL_WEEKS_CHANGED, SchoolWeeksChanged(uai=school.uai, weeks=current))
    return {"weeks": current}
