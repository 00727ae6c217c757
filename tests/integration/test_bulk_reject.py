"""``conventions.reject_applications`` in a running container, on SQLite and PostgreSQL: each
application refused on its own, in its own transaction, with the same outbox event as a single
refusal; the others (another team's, already answered, repeated) told per id."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts.conventions import APPLICATION_REJECTED
from services.common.database import create_service_engine, utcnow
from services.common.errors import DomainError
from services.conventions.models import Application, OutboxMessage
from services.conventions.service import ConventionsService
from tests.support.conventions import call, college_week

pytestmark = pytest.mark.integration

TEAM, OTHER_TEAM = 11, 22


def host(team_id: int) -> dict[str, Any]:
    return {"user_id": team_id, "role": "employer", "team_id": team_id}


def seed(engine: Any, rows: list[tuple[int, str]]) -> list[int]:
    """One application per ``(team_id, status)``; their ids in that order."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        applications = [
            Application(
                offer_id=team_id,
                team_id=team_id,
                offer={"title": "Boulangerie", "employer_name": "Au bon pain", "city": "Paris"},
                student_id=100 + number,
                student={"first_name": "Léa", "last_name": f"Élève{number}", "email": f"lea{number}@example.fr"},
                school_uai="0752694W",
                weeks=[college_week()],
                motivation="Je veux découvrir ce métier.",
                status=status,
                request_hash="h",
                created_at=now,
                updated_at=now,
            )
            for number, (team_id, status) in enumerate(rows)
        ]
        session.add_all(applications)
        session.flush()
        return [application.id for application in applications]


def test_each_application_is_refused_on_its_own_with_its_event(start_service, env):
    conventions = start_service(ConventionsService)
    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    read, submitted, answered, foreign = seed(
        engine, [(TEAM, "read"), (TEAM, "submitted"), (TEAM, "rejected"), (OTHER_TEAM, "submitted")]
    )
    reason = "Nous sommes complets cette semaine-là."
    body = {"ids": [read, foreign, answered, submitted, read], "reason": reason}

    outcome = call(conventions, "reject_applications", host(TEAM), body)

    assert outcome["rejected"] == [read, submitted]
    assert [(item["id"], item["code"]) for item in outcome["refused"]] == [
        (foreign, "NOT_FOUND"),
        (answered, "INVALID_TRANSITION"),
    ]
    with Session(engine) as session:
        statuses = dict(session.execute(select(Application.id, Application.status)).tuples().all())
        assert statuses == {read: "rejected", submitted: "rejected", answered: "rejected", foreign: "submitted"}
        assert session.get(Application, read).reason == reason
        events = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == APPLICATION_REJECTED)).all()
        assert sorted(message.payload["application_id"] for message in events) == [read, submitted]
        assert {message.payload["reason"] for message in events} == {reason}
    engine.dispose()


def test_a_blank_reason_or_a_pupil_refuses_nothing(start_service, env):
    conventions = start_service(ConventionsService)
    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    [waiting] = seed(engine, [(TEAM, "submitted")])
    for who, body, status in (
        (host(TEAM), {"ids": [waiting], "reason": "   "}, 422),
        (host(TEAM), {"ids": [], "reason": "Complet."}, 422),
        ({"user_id": 100, "role": "student"}, {"ids": [waiting], "reason": "Complet."}, 403),
    ):
        with pytest.raises(DomainError) as refused:
            call(conventions, "reject_applications", who, body)
        assert status_of(refused.value) == status
    with Session(engine) as session:
        assert session.get(Application, waiting).status == "submitted"
    engine.dispose()
