"""The data ``bench.load`` needs before its clock starts, written straight into the services'
databases (as ``services.identity.demo`` and ``tests/integration/test_listing_queries.py`` do):
going through the API would cost minutes of sign-ups, confirmations and approvals that the
bench does not measure.

- accounts, confirmed, with the identity service's own ``accounts.signup`` (Argon2id hashes
  and an employer's team included);
- a host team's applications, each approved with its convention ready to sign: the host's
  lists of 300, and the conventions group signings take ten at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.common.config import database_url
from services.common.contracts.identity import SignupRequest
from services.common.database import create_service_engine, utcnow
from services.conventions.models import Application, ApplicationTransition, Convention
from services.identity import accounts
from services.identity.models import OutboxMessage, ProcessedEvent, User
from tests.support.conventions import HOST_PART, SCHOOL_PART

PASSWORD = "un-mot-de-passe-de-charge"  # noqa: S105 - throw-away accounts of the benchmark


@dataclass(frozen=True)
class Account:
    email: str
    user_id: int
    team_id: int | None


def make_accounts(role: str, count: int, prefix: str, **fields: str) -> list[Account]:
    """``count`` confirmed accounts of ``role`` (password ``PASSWORD``)."""
    engine = create_service_engine(database_url("identity"))
    factory = sessionmaker(engine, info={"outbox_model": OutboxMessage, "processed_model": ProcessedEvent})
    made = []
    try:
        with factory() as session:
            for number in range(count):
                email = f"{prefix}-{number}@charge.example.fr"
                request = SignupRequest(
                    email=email,
                    password=PASSWORD,
                    first_name="Léa",
                    last_name=f"Charge{number}",
                    role=role,
                    **fields,
                )
                accounts.signup(session, request, confirmed=True)
                session.flush()
                user = session.scalar(select(User).where(User.email == email))
                assert user is not None
                made.append(Account(email, user.id, user.team_id))
            session.commit()
    finally:
        engine.dispose()
    return made


def ready_conventions(team_id: int, offer_id: int, school_uai: str, count: int, week: str, first_student: int) -> None:
    """``count`` approved applications of ``team_id``, each with its convention ready to sign
    (both parts filled in, nobody signed yet)."""
    engine = create_service_engine(database_url("conventions"))
    now = utcnow()
    offer = {"title": "Découverte des métiers", "employer_name": "Charge SA", "city": "Paris"}
    try:
        with Session(engine) as session, session.begin():
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
            for application in applications:
                for status in ("submitted", "approved"):
                    session.add(
                        ApplicationTransition(application_id=application.id, status=status, by_role="student", at=now)
                    )
                session.add(
                    Convention(
                        application_id=application.id,
                        offer_id=offer_id,
                        team_id=team_id,
                        school_uai=school_uai,
                        student_id=application.student_id,
                        status="ready_to_sign",
                        facts={
                            "offer_title": offer["title"],
                            "employer_name": offer["employer_name"],
                            "place": "1 rue de la Paix, 75002 Paris",
                            "student_name": f"Léa Élève{application.student_id}",
                            "weeks": [week],
                            "start_date": "2027-01-18",
                            "end_date": "2027-01-22",
                        },
                        host_part=dict(HOST_PART),
                        school_part=dict(SCHOOL_PART),
                        completed_by_employer_at=now,
                        validated_by_school_at=now,
                        created_at=application.created_at,
                        updated_at=now,
                    )
                )
    finally:
        engine.dispose()
