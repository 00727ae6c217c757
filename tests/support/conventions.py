"""People and steps of the applications journey, for the service-level tests."""

from __future__ import annotations

import base64
import io
import itertools
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from services.common.database import utcnow
from services.conventions.models import Application, ApplicationTransition, Convention
from tests.support.entrypoints import call
from tests.support.school_weeks import college_week

PASSWORD = "un-mot-de-passe-solide"
SCHOOL_UAI = "0752694W"
_numbers = itertools.count(1)


def signup(identity: Any, role: str, **fields: Any) -> dict[str, Any]:
    """A new user of ``role``; returns the actor dict the gateway would pass to services."""
    number = next(_numbers)
    body = {
        "email": f"{role}-{number}@example.fr",
        "password": PASSWORD,
        "first_name": fields.pop("first_name", f"Prénom{number}"),
        "last_name": fields.pop("last_name", "Martin"),
        "role": role,
        **fields,
    }
    if role in ("student", "school_manager", "teacher"):
        body.setdefault("school_uai", SCHOOL_UAI)
    if role == "student":
        body.setdefault("grade", "troisieme")
    user = call(identity, "signup", body)
    return {
        "user_id": user["id"],
        "role": role,
        "team_id": user["team_id"],
        "school_uai": user["school_uai"],
        "grade": user["grade"],
        "email": user["email"],
        # As the gateway passes a teacher whom the head of school has confirmed (identity's
        # ``school_confirmed``); a test of a pending teacher passes False.
        "school_confirmed": True if role == "teacher" else None,
    }


def actor(person: dict[str, Any]) -> dict[str, Any]:
    """The caller as services receive it (no email)."""
    return {key: person.get(key) for key in ("user_id", "role", "team_id", "school_uai", "grade", "school_confirmed")}


def application_body(week: str | None = None, motivation: str = "Je veux découvrir ce métier.") -> dict[str, Any]:
    return {"weeks": [week or college_week()], "motivation": motivation, "phone": "06 12 34 56 78"}


def drawn_signature() -> str:
    """A PNG data URL of a small drawn signature, as the canvas gives it."""
    image = Image.new("RGBA", (320, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(12, 90), (90, 20), (170, 100), (300, 30)], fill=(0, 0, 145, 255), width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


HOST_PART = {
    "tutor_name": "Camille Bernard",
    "tutor_role": "Cheffe boulangère",
    "tutor_email": "camille.bernard@example.fr",
    "tutor_phone": "06 11 22 33 44",
    "activities": "Observer le pétrissage, la cuisson et la vente ; échanger avec l'équipe.",
    "daily_hours": {day: ["09:00", "12:00", "13:00", "16:00"] for day in ("lundi", "mardi", "mercredi", "jeudi")},
    "lunch_break": "De 12 h à 13 h, au calme dans la salle de pause.",
}

SCHOOL_PART = {
    "school_manager_name": "Nadia Lefèvre",
    "referent_teacher_name": "Paul Girard",
    "referent_teacher_email": "paul.girard@example.fr",
    "student_class": "3e B",
    "student_birth_date": "2012-03-14",
    "legal_representative_name": "Sophie Martin",
    "legal_representative_email": "sophie.martin@example.fr",
    "legal_representative_phone": "06 98 76 54 32",
}


def seed_conventions(
    session: Session,
    *,
    team_id: int,
    offer_id: int,
    offer: dict[str, str],
    school_uai: str,
    week: str,
    count: int,
    first_student: int,
    status: str,
    parts: bool,
) -> list[tuple[Application, Convention]]:
    """``count`` applications of ``team_id`` approved by their pupils (submitted, then approved),
    each with its convention in ``status``, written straight into conventions' database: the
    long lists that the API would take minutes of sign-ups and approvals to make. ``parts``:
    both sides' parts filled in and declared done."""
    now = utcnow()
    applications = [
        Application(
            offer_id=offer_id,
            team_id=team_id,
            offer=offer,
            student_id=first_student + number,
            student={"first_name": "Léa", "last_name": f"Élève{number}", "email": f"lea{number}@example.fr"},
            school_uai=school_uai,
            weeks=[week],
            motivation="Je veux découvrir ce métier.",
            status="approved",
            request_hash="h",
            created_at=now - timedelta(minutes=number),
            updated_at=now,
        )
        for number in range(count)
    ]
    session.add_all(applications)
    session.flush()
    conventions = [
        Convention(
            application_id=application.id,
            offer_id=offer_id,
            team_id=team_id,
            school_uai=school_uai,
            student_id=application.student_id,
            status=status,
            facts={
                "offer_title": offer["title"],
                "employer_name": offer["employer_name"],
                "place": "1 rue de la Paix, 75002 Paris",
                "student_name": f"Léa Élève{application.student_id - first_student}",
                "weeks": [week],
                "start_date": "2027-01-18",
                "end_date": "2027-01-22",
            },
            host_part=dict(HOST_PART) if parts else {},
            school_part=dict(SCHOOL_PART) if parts else {},
            completed_by_employer_at=now if parts else None,
            validated_by_school_at=now if parts else None,
            created_at=application.created_at,
            updated_at=now,
        )
        for application in applications
    ]
    session.add_all(conventions)
    for application in applications:
        for step in ("submitted", "approved"):
            session.add(ApplicationTransition(application_id=application.id, status=step, by_role="student", at=now))
    session.flush()
    return list(zip(applications, conventions, strict=True))
