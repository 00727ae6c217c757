"""The 60 km rule: for a place, how many schools within 60 km chose each collège week."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.school_calendar import SchoolYear
from services.matching.geography import bounding_box, distance_km
from services.matching.models import School, SchoolWeek

HIGHLIGHT_RADIUS_KM = 60.0


def schools_within(session: Session, latitude: float, longitude: float, radius_km: float) -> set[str]:
    """UAIs of the schools at most ``radius_km`` from the point (great-circle distance)."""
    box = bounding_box(latitude, longitude, radius_km)
    statement = select(School.uai, School.latitude, School.longitude).where(
        School.latitude.between(box.min_latitude, box.max_latitude)
    )
    if box.min_longitude is not None and box.max_longitude is not None:
        statement = statement.where(School.longitude.between(box.min_longitude, box.max_longitude))
    return {
        uai for uai, lat, lon in session.execute(statement) if distance_km(latitude, longitude, lat, lon) <= radius_km
    }


def highlighted_weeks(session: Session, latitude: float, longitude: float, today: date) -> list[dict[str, Any]]:
    """Every collège week of the school year with the count of schools within 60 km that chose it."""
    weeks = SchoolYear.current(today).college_weeks()
    near = schools_within(session, latitude, longitude, HIGHLIGHT_RADIUS_KM)
    counts: Counter[str] = Counter()
    if near:
        chosen = select(SchoolWeek.uai, SchoolWeek.week).where(SchoolWeek.week.in_([str(week) for week in weeks]))
        counts.update(week for uai, week in session.execute(chosen) if uai in near)
    return [
        {
            "week": str(week),
            "monday": week.monday.isoformat(),
            "friday": week.friday.isoformat(),
            "schools_count": counts[str(week)],
        }
        for week in weeks
    ]
