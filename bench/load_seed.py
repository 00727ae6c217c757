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

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.common.config import database_url
from services.common.contracts.identity import SignupRequest
from services.common.database import create_service_engine
from services.identity import accounts
from services.identity.models import OutboxMessage, ProcessedEvent, User
from tests.support.conventions import seed_conventions

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
    offer = {"title": "Découverte des métiers", "employer_name": "Charge SA", "city": "Paris"}
    try:
        with Session(engine) as session, session.begin():
            seed_conventions(
                session,
                team_id=team_id,
                offer_id=offer_id,
                offer=offer,
                school_uai=school_uai,
                week=week,
                count=count,
                first_student=first_student,
                status="ready_to_sign",
                parts=True,
            )
    finally:
        engine.dispose()
