"""The in-memory unit of work of the applications (``tests/support/fake_conventions.py``) behaves
as the service's SQL one: one scenario of use cases runs on each (SQL: a migrated SQLite file),
on the same fixed clock, and the answers, the events and what is stored afterwards are the
same. A change of the SQL repositories that the fake does not follow (an order, a filter, a
scope, a default) fails here, not in a unit test that silently trusts the fake."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.common.errors import DomainError
from services.conventions import applications
from services.conventions.models import Application, Convention, OfferSeats, OutboxMessage, ProcessedEvent
from services.conventions.unit_of_work import ConventionsUnitOfWork, opened
from tests.support import application_cases as case
from tests.support.fake_conventions import FakeUnitOfWork
from tests.support.sqlite_transactions import Transaction, migrated_sqlite

pytestmark = pytest.mark.unit

Begin = Callable[[], AbstractContextManager[ConventionsUnitOfWork]]


def scenario(begin: Begin) -> list[Any]:
    """Every answer (or refusal) of a few pupils' applications and their hosts' answers, in order."""
    world = case.World()
    answers: list[Any] = []

    def step(use_case: Callable[..., Any], *args: Any) -> Any:
        try:
            with begin() as uow:
                answer = use_case(uow, *args)
                if isinstance(answer, Application):
                    answer = applications.application_out(uow, answer, case.EXPIRY_DAYS)
        except DomainError as error:
            answer = {"refused": error.code, "fields": error.fields}
        answers.append(answer)
        return answer

    def submit(pupil: Any, offer_id: int, week: str, key: str | None, minutes: int = 0) -> Any:
        later = case.NOW + timedelta(minutes=minutes)
        return step(applications.submit, pupil, offer_id, case.body(week), world.lookups(), case.TODAY, later, key)

    first = submit(case.ALICE, case.OFFER, case.WEEKS[0], "clic-1")
    submit(case.ALICE, case.OFFER, case.WEEKS[0], "clic-1")
    submit(case.ALICE, case.OFFER, case.WEEKS[0], None)
    submit(case.ALICE, case.SECOND_OFFER, case.WEEKS[0], "clic-1")
    submit(case.ALICE, case.OFFER, case.WEEKS[0], None, 5)
    # Sent in the same minute: the lists order them by id, and approving the first application
    # cancels both (same week), in the order of their ids.
    same_week = submit(case.ALICE, case.SECOND_OFFER, case.WEEKS[0], None, 1)
    other_team = submit(case.ALICE, case.FOREIGN_OFFER, case.WEEKS[0], None, 1)
    basiles = submit(case.BASILE, case.OFFER, case.WEEKS[0], None, 3)
    chloes = submit(case.CHLOE, case.SECOND_OFFER, case.WEEKS[2], None, 4)
    submit(case.HOST, case.OFFER, case.WEEKS[0], None)
    step(applications.visible, case.STRANGER, first["id"])
    step(applications.visible, case.MANAGER, first["id"])
    step(applications.act, case.HOST, first["id"], "read", None, case.NOW)
    step(applications.act, case.HOST, first["id"], "validate", None, case.NOW)
    step(applications.act, case.HOST, basiles["id"], "reject", " ", case.NOW)
    step(applications.act, case.HOST, basiles["id"], "validate", None, case.NOW)
    step(applications.approve, case.HOST, first["id"], world.for_approval(case.OFFER), case.NOW)
    step(applications.approve, case.ALICE, first["id"], world.for_approval(case.OFFER), case.NOW)
    world.offers[case.OFFER]["max_candidates"] = 1
    step(applications.approve, case.BASILE, basiles["id"], world.for_approval(case.OFFER), case.NOW)
    step(applications.listing, case.HOST, None, None, 1, 3, case.EXPIRY_DAYS)
    step(applications.listing, case.HOST, None, None, 2, 3, case.EXPIRY_DAYS)
    step(applications.listing, case.ALICE, None, "cancelled", 1, 20, case.EXPIRY_DAYS)
    step(applications.listing, case.MANAGER, case.OFFER, None, 1, 20, case.EXPIRY_DAYS)
    step(applications.counts, case.HOST, [case.OFFER, case.SECOND_OFFER, case.FOREIGN_OFFER])
    step(applications.act, case.ALICE, first["id"], "cancel", "Je déménage.", case.NOW)
    answers.append(
        applications.reject_each(
            begin, case.HOST, [chloes["id"], same_week["id"], other_team["id"]], "Complet.", case.NOW
        )
    )
    step(applications.expire_due, case.NOW + timedelta(days=case.EXPIRY_DAYS, minutes=3), case.EXPIRY_DAYS)
    step(applications.listing, case.STRANGER, None, None, 1, 20, case.EXPIRY_DAYS)
    step(applications.counts, case.HOST, [case.OFFER, case.SECOND_OFFER])
    return answers


@pytest.fixture
def sql_transaction(tmp_path: Path) -> Iterator[Transaction]:
    with migrated_sqlite("conventions", tmp_path, OutboxMessage, ProcessedEvent) as transaction:
        yield transaction


def stored(
    rows: list[Application], seats: list[OfferSeats], conventions: list[Convention]
) -> list[list[tuple[Any, ...]]]:
    return [
        [(row.id, row.offer_id, row.status, row.reason, row.updated_at) for row in rows],
        [(row.offer_id, row.seats, row.approved, row.sequence) for row in seats],
        [(row.id, row.application_id, row.status, row.link_token_hash, row.updated_at) for row in conventions],
    ]


def test_the_fake_unit_of_work_answers_emits_and_stores_as_the_sql_one(sql_transaction):
    fake = FakeUnitOfWork()
    fake_answers = scenario(fake.transaction)
    sql_answers = scenario(lambda: opened(sql_transaction))

    assert fake_answers == sql_answers
    # The scenario goes through refusals and successes alike.
    refusals = {answer["refused"] for answer in sql_answers if isinstance(answer, dict) and "fields" in answer}
    assert refusals == {
        "IDEMPOTENCY_KEY_REUSED",
        "ALREADY_APPLIED",
        "FORBIDDEN",
        "NOT_FOUND",
        "VALIDATION_ERROR",
        "NO_SEAT_LEFT",
    }
    with sql_transaction() as session:
        sql_events = [
            (row.event_type, row.payload) for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        sql_stored = stored(
            list(session.scalars(select(Application).order_by(Application.id))),
            list(session.scalars(select(OfferSeats).order_by(OfferSeats.offer_id))),
            list(session.scalars(select(Convention).order_by(Convention.id))),
        )
    assert [(event.event_type, event.payload) for event in fake.events] == sql_events
    assert stored(fake.applications.all(), list(fake.seats.table), fake.conventions.all()) == sql_stored
    assert len(sql_events) == 16 and [len(table) for table in sql_stored] == [5, 3, 1]
