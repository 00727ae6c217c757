"""A valid partner API v2 offer payload, dated from today's school year."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.school_calendar import SchoolYear, today_in_paris
from tests.support.school_weeks import upcoming_college_weeks


def partner_payload(*, today: date | None = None, **changes: Any) -> dict[str, Any]:
    """A valid payload on ``today`` (default: today in Paris), with ``changes`` on top."""
    weeks = None if "weeks" in changes else [week.unpadded() for week in upcoming_college_weeks(2, today)]
    payload = {
        "title": "Stage d'observation au service informatique",
        "description": "Découvrir le support, le réseau et le développement d'applications.",
        "employer_name": "Octo",
        "employer_description": "Cabinet de conseil en informatique.",
        "employer_website": "https://octo.example.fr",
        "coordinates": {"latitude": 48.866667, "longitude": 2.333333},
        "street": "1 rue du poulet",
        "zipcode": "75001",
        "city": "Paris",
        "sector_uuid": "s31",
        "weeks": weeks,
        "grades": ["troisieme"],
        "remote_id": "offre-1",
        "permalink": "https://partenaire.example.fr/offres/1",
        "max_candidates": 2,
        "is_public": False,
        "daily_hours": {"lundi": ["9:00", "17:00"], "mardi": ["9:00", "17:00"]},
    }
    payload.update(changes)
    return payload


def seconde_weeks(today: date | None = None) -> list[str]:
    """The seconde period of the current school year, as partners write its weeks, open or over
    (a test that publishes it checks ``school_weeks.upcoming_seconde_period``; its collège
    offers already skip when the period is over, from late May to 30 June)."""
    period = SchoolYear.current(today or today_in_paris()).seconde
    return [period.week_1.unpadded(), period.week_2.unpadded()]
