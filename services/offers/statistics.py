"""The administrators' figures of offers: published offers and seats of a school year, by
department and by grade, and how many are reserved; one GROUP BY query, never the rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session

from services.common.contracts.statistics import GRADES, DepartmentOffers, GradeFigures, OfferStatistics
from services.common.department_sql import department_of
from services.common.school_calendar import SchoolYear
from services.offers.models import Offer

_COUNTS = ("offers", "seats", "reserved_rep", "reserved_qpv", "reserved_schools", "reserved_any")


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def offer_statistics(session: Session, year: SchoolYear, departments: list[str] | None = None) -> dict[str, Any]:
    """Offers published now, whose publication falls in ``year`` (hosts publish for the current
    year only), grouped by the department of their place; ``departments``: only those (an
    academy's), None: all."""
    start, end = year.span_utc()
    department = department_of(Offer.zipcode).label("department")
    # Grades are a JSON list: its text holds each grade between quotes, on SQLite and PostgreSQL.
    grades_text = cast(Offer.grades, String)
    targets = {grade: grades_text.like(f'%"{grade}"%') for grade in GRADES}
    reserved_schools = cast(Offer.reserved_school_uais, String) != "[]"
    columns = [
        department,
        func.count().label("offers"),
        func.coalesce(func.sum(Offer.max_candidates), 0).label("seats"),
        _count_if(Offer.reserved_rep).label("reserved_rep"),
        _count_if(Offer.reserved_qpv).label("reserved_qpv"),
        _count_if(reserved_schools).label("reserved_schools"),
        _count_if(Offer.reserved_rep | Offer.reserved_qpv | reserved_schools).label("reserved_any"),
    ]
    for grade, targeted in targets.items():
        columns.append(_count_if(targeted).label(f"{grade}_offers"))
        columns.append(func.sum(case((targeted, Offer.max_candidates), else_=0)).label(f"{grade}_seats"))
    query = (
        select(*columns)
        .where(
            Offer.status == "published",
            Offer.deleted_at.is_(None),
            Offer.published_at >= start,
            Offer.published_at < end,
        )
        .group_by(department)
        .order_by(department)
    )
    if departments is not None:
        query = query.where(department_of(Offer.zipcode).in_(departments))
    rows = [
        DepartmentOffers(
            department=row["department"],
            by_grade={
                grade: GradeFigures(offers=int(row[f"{grade}_offers"]), seats=int(row[f"{grade}_seats"]))
                for grade in GRADES
            },
            **{key: int(row[key]) for key in _COUNTS},
        )
        for row in session.execute(query).mappings()
    ]
    return OfferStatistics(school_year=year.label, departments=rows).model_dump(mode="json")
