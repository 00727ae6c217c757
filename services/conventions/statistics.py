"""The administrators' figures of applications and conventions: how many of a school year
are in each status, counted in the database (GROUP BY status), for the whole country or the
departments of an academy (the department of the offer's place, as the pupil applied to it)."""

from __future__ import annotations

from typing import Any, get_args

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.contracts.conventions import ApplicationStatus, ConventionStatus
from services.common.contracts.statistics import ConventionStatistics
from services.common.department_sql import department_of
from services.common.school_calendar import SchoolYear
from services.conventions.models import Application, Convention


def convention_statistics(session: Session, year: SchoolYear, departments: list[str] | None = None) -> dict[str, Any]:
    """Applications and conventions created in ``year``, by status (every status listed, 0
    when none); ``departments``: only those of offers placed there, None: all."""
    start, end = year.span_utc()
    place = department_of(Application.offer["zipcode"].as_string())
    applications = (
        select(Application.status, func.count())
        .where(Application.created_at >= start, Application.created_at < end)
        .group_by(Application.status)
    )
    conventions = (
        select(Convention.status, func.count())
        .join(Application, Application.id == Convention.application_id)
        .where(Convention.created_at >= start, Convention.created_at < end)
        .group_by(Convention.status)
    )
    if departments is not None:
        applications = applications.where(place.in_(departments))
        conventions = conventions.where(place.in_(departments))
    return ConventionStatistics(
        school_year=year.label,
        applications=_by_status(session, applications, get_args(ApplicationStatus)),
        conventions=_by_status(session, conventions, get_args(ConventionStatus)),
    ).model_dump(mode="json")


def _by_status(session: Session, query: Any, statuses: tuple[str, ...]) -> dict[str, int]:
    counts = {status: 0 for status in statuses}
    for status, count in session.execute(query):
        counts[status] = int(count)
    return counts
