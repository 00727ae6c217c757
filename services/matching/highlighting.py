"""The 60 km rule: for a place, how many schools within 60 km chose each collège week."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.geography import bounding_box, distance_km
from services.common.school_calendar import SchoolYear
from services.matching.models import School, SchoolWeek

HIGHLIGHT_RADIUS_KM = 60.0


def highlighted_weeks(session: Session, latitude: float, longitude: float, today: date) -> list[dict[str, Any]]:
    """Every collège week of the school year with the count of schools within 60 km that chose it.

    One query joins the schools inside the box around the place to the weeks they chose;
    only those rows are measured (once per school), never the whole country's choices.
    """
    weeks = SchoolYear.current(today).college_weeks()
    box = bounding_box(latitude, longitude, HIGHLIGHT_RADIUS_KM)
    statement = (
        select(School.uai, School.latitude, School.longitude, SchoolWeek.week)
        .join(SchoolWeek, SchoolWeek.uai == School.uai)
        .where(School.latitude.between(box.min_latitude, box.max_latitude))
        .where(SchoolWeek.week.between(str(weeks[0]), str(weeks[-1])))
    )
    if box.min_longitude is not None and box.max_longitude is not None:
        statement = statement.where(School.longitude.between(box.min_longitude, box.max_longitude))
    near: dict[str, bool] = {}
    counts: Counter[str] = Counter()
    for uai, lat, lon, week in session.execute(statement):
        if uai not in near:
            near[uai] = distance_km(latitude, longitude, lat, lon) <= HIGHLIGHT_RADIUS_KM
        if near[uai]:
            counts[week] += 1
    return [
        {
            "week": str(week),
            "monday": week.monday.isoformat(),
            "friday": week.friday.isoformat(),
            "schools_count": counts[str(week)],
        }
        for week in weeks
    ]
