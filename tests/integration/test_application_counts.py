"""How many applications each of a team's offers has, by status (``conventions.application_counts``).

identity, matching, offers and conventions run in real containers on the real broker and
database (SQLite or PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts.actors import Actor
from services.common.database import create_service_engine
from services.common.errors import DomainError
from services.conventions import applications
from services.conventions.unit_of_work import SqlUnitOfWork
from tests.support.conventions import actor, application_body, call, college_week, signup
from tests.support.offer_services import start_application_services
from tests.support.offers import offer_body

pytestmark = pytest.mark.integration

ZEROS = {
    "total": 0,
    "submitted": 0,
    "read": 0,
    "validated": 0,
    "approved": 0,
    "rejected": 0,
    "cancelled": 0,
    "expired": 0,
}


@pytest.fixture
def platform(start_service: Callable[..., Any]) -> tuple[Any, Any, Any]:
    return start_application_services(start_service)


def published(offers: Any, host: dict[str, Any]) -> dict[str, Any]:
    return call(offers, "create_offer", actor(host), offer_body(college_weeks=[college_week(-2), college_week(-1)]))


def test_each_offer_of_the_team_is_counted_by_status(platform, databases):
    identity, offers, conventions = platform
    host, other_host = signup(identity, "employer"), signup(identity, "employer")
    first, second, empty = published(offers, host), published(offers, host), published(offers, host)
    foreign = published(offers, other_host)
    pupils = [signup(identity, "student") for _ in range(4)]
    moves = [("read",), ("validate",), ("reject",), ()]
    for pupil, steps in zip(pupils, moves, strict=True):
        application = call(conventions, "apply", actor(pupil), first["id"], application_body())
        for step in steps:
            body = {"reason": "Plus de place."} if step == "reject" else {}
            call(conventions, "act_on_application", actor(host), application["id"], step, body)
    submitted = call(conventions, "apply", actor(pupils[0]), second["id"], application_body())
    call(conventions, "act_on_application", actor(pupils[0]), submitted["id"], "cancel", {})
    call(conventions, "apply", actor(pupils[1]), foreign["id"], application_body())

    asked = [first["id"], second["id"], empty["id"], foreign["id"], first["id"]]
    counts = call(conventions, "application_counts", actor(host), asked)
    assert counts == {
        str(first["id"]): {**ZEROS, "total": 4, "submitted": 1, "read": 1, "validated": 1, "rejected": 1},
        str(second["id"]): {**ZEROS, "total": 1, "cancelled": 1},
        str(empty["id"]): ZEROS,
        # Another team's offer: its applications are not the caller's to count.
        str(foreign["id"]): ZEROS,
    }
    assert list(counts[str(first["id"])]) == list(ZEROS)
    assert call(conventions, "application_counts", actor(other_host), [foreign["id"]]) == {
        str(foreign["id"]): {**ZEROS, "total": 1, "submitted": 1}
    }
    assert call(conventions, "application_counts", actor(host), []) == {}

    # One grouped query, however many offers are asked.
    engine = create_service_engine(databases.urls["conventions"])
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        assert applications.counts(SqlUnitOfWork(session), Actor(**actor(host)), asked) == counts
    engine.dispose()
    assert len(statements) == 1 and "GROUP BY" in statements[0]


def test_only_employers_count_and_offer_ids_are_checked(platform):
    identity, _, conventions = platform
    host = signup(identity, "employer")
    for role in ("student", "school_manager"):
        person = signup(identity, role)
        with pytest.raises(DomainError) as refused:
            call(conventions, "application_counts", actor(person), [1])
        assert status_of(refused.value) == 403
    for wrong in (["1"], [True], list(range(1001))):
        with pytest.raises(DomainError) as refused:
            call(conventions, "application_counts", actor(host), wrong)
        assert (status_of(refused.value), list(refused.value.fields)) == (422, ["offer_ids"])
