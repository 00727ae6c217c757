"""A complete, valid offer body for tests, dated from today's school year."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from tests.support.school_weeks import upcoming_college_weeks


def future_college_weeks(count: int = 2, today: date | None = None) -> list[str]:
    """The last ``count`` collège weeks of the current school year not begun on ``today``."""
    return [str(week) for week in upcoming_college_weeks(count, today)]


OFFER: dict[str, Any] = {
    "title": "Découverte des métiers de la boulangerie",
    "description": "Observer la fabrication du pain, la vente et la gestion d'un fournil artisanal.",
    "sector": "s12",
    "employer": {
        "name": "Boulangerie des Canuts",
        "siret": "73282932000074",
        "is_public": False,
        "description": "Boulangerie artisanale depuis 1950.",
        "website": "https://boulangerie.example.fr",
    },
    "place": {
        "street": "12 rue d'Austerlitz",
        "zipcode": "69004",
        "city": "Lyon",
        "latitude": 45.774,
        "longitude": 4.832,
    },
    "workspace_conditions": "Fournil chaud, niveau sonore modéré, station debout.",
    "workspace_accessibility": "Boutique de plain-pied, fournil au sous-sol sans ascenseur.",
    "grades": ["troisieme", "quatrieme"],
    "college_weeks": None,
    "daily_hours": {day: ["08:00", "12:00"] for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi")},
    "lunch_break": "Pas de pause déjeuner : matinées seulement.",
    "max_candidates": 2,
    "reserved_for": {"rep": False, "qpv": False, "school_uai": None},
}


def offer_body(*, today: date | None = None, **changes: Any) -> dict[str, Any]:
    """A valid body on ``today`` (default: today in Paris), with ``changes`` applied on top."""
    body = copy.deepcopy(OFFER)
    if "college_weeks" not in changes:  # an all-year or seconde offer needs no week left
        body["college_weeks"] = future_college_weeks(today=today)
    body.update(changes)
    return body
