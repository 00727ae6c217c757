"""The fixed clock, people, offers and other services of the applications' unit tests
(``tests/unit/test_application_use_cases.py`` and the unit of work's contract test)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.common.contracts.actors import Actor
from services.common.contracts.conventions import ApplicationBody
from services.common.contracts.offers import OfferForApplication
from services.common.school_calendar import SchoolYear
from services.conventions import applications

NOW = datetime(2026, 9, 14, 8, 30, tzinfo=UTC)
TODAY = NOW.date()
EXPIRY_DAYS = 15
WEEKS = [str(week) for week in SchoolYear.current(TODAY).college_weeks()[-3:]]
TEAM, OTHER_TEAM = 10, 20
SCHOOL, OTHER_SCHOOL = "0752694W", "0691234S"
OFFER, SECOND_OFFER, FOREIGN_OFFER = 100, 101, 200

HOST = Actor(user_id=1, role="employer", team_id=TEAM)
STRANGER = Actor(user_id=2, role="employer", team_id=OTHER_TEAM)
MANAGER = Actor(user_id=3, role="school_manager", school_uai=SCHOOL)
OTHER_MANAGER = Actor(user_id=4, role="school_manager", school_uai=OTHER_SCHOOL)
ALICE = Actor(user_id=11, role="student", school_uai=SCHOOL, grade="troisieme")
BASILE = Actor(user_id=12, role="student", school_uai=SCHOOL, grade="troisieme")
CHLOE = Actor(user_id=13, role="student", school_uai=OTHER_SCHOOL, grade="troisieme")


def offer(offer_id: int = OFFER, **changes: Any) -> dict[str, Any]:
    """What offers answers of an offer (``offer_for_application``)."""
    return {
        "offer_id": offer_id,
        "status": "published",
        "team_id": OTHER_TEAM if offer_id == FOREIGN_OFFER else TEAM,
        "space_id": 7,
        "title": f"Boulangerie {offer_id}",
        "description": "Pétrir, façonner, cuire.",
        "employer_name": "Au bon pain",
        "employer_siret": "73282932000074",
        "street": "1 rue de la Paix",
        "zipcode": "75002",
        "city": "Paris",
        "grades": ["troisieme"],
        "college_weeks": WEEKS,
        "seconde_weeks": [],
        "daily_hours": {"lundi": ["09:00", "17:00"]},
        "lunch_break": "12:00-13:00",
        "max_candidates": 2,
        "approved_count": 0,
        "reserved_rep": False,
        "reserved_qpv": False,
        "reserved_school_uai": None,
        **changes,
    }


class World:
    """The other services as the use cases ask them: offers by id, pupils, schools."""

    def __init__(self) -> None:
        self.offers = {offer_id: offer(offer_id) for offer_id in (OFFER, SECOND_OFFER, FOREIGN_OFFER)}
        self.schools = {SCHOOL: {"uai": SCHOOL, "name": "Collège Jean Moulin", "rep": False, "qpv": False}}

    def lookups(self) -> applications.Lookups:
        return applications.Lookups(
            offer=lambda offer_id: self.offers[offer_id],
            user=lambda user_id: {
                "first_name": f"Élève{user_id}",
                "last_name": "Martin",
                "email": f"eleve{user_id}@example.fr",
                "phone": None,
                "class_name": "3e B",
                "grade": "troisieme",
            },
            school=self.schools.get,
        )

    def for_approval(self, offer_id: int) -> OfferForApplication:
        return OfferForApplication.model_validate(self.offers[offer_id])


def body(week: str = WEEKS[0], motivation: str = "Je veux découvrir ce métier.") -> ApplicationBody:
    return ApplicationBody(weeks=[week], motivation=motivation)
