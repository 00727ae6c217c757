"""The in-memory unit of work (``tests/support/fake_offers.py``) behaves as the service's SQL one:
one scenario of use cases runs on each (SQL: a migrated SQLite file), and the answers, the
events and what is stored afterwards are the same. A change of the SQL repositories that the
fake does not follow (an order, a filter, a default) fails here, not in a unit test that
silently trusts the fake."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.common.contracts.actors import Actor
from services.common.contracts.offers import OfferBody
from services.common.database import utcnow
from services.common.errors import DomainError
from services.offers import catalogue, drafts, seats
from services.offers.models import Offer, OutboxMessage, ProcessedEvent
from services.offers.unit_of_work import OffersUnitOfWork, opened
from tests.support.fake_offers import FakeUnitOfWork
from tests.support.offers import offer_body
from tests.support.school_weeks import FIXED_TODAY
from tests.support.sqlite_transactions import Transaction, migrated_sqlite

pytestmark = pytest.mark.unit

TODAY = FIXED_TODAY
HOST = Actor(user_id=1, role="employer", team_id=7)
STRANGER = Actor(user_id=2, role="employer", team_id=8)
LOOKUPS = catalogue.Lookups(
    team_spaces=lambda team_id: [
        {"id": 70, "name": "Siège", "is_default": True},
        {"id": 71, "name": "Atelier", "is_default": False},
    ],
    unknown_schools=lambda uais: [],
)
# Instants differ from one run to the other: whether one is set is compared, not its value.
INSTANTS = {"created_at", "updated_at", "published_at"}

Begin = Callable[[], AbstractContextManager[OffersUnitOfWork]]


def comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: (item is not None if key in INSTANTS else comparable(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def mark_to_update(uow: OffersUnitOfWork, offer_id: int) -> None:
    """What the review pass does to an offer (with a SQL UPDATE of its own, ``review.mark``)."""
    offer = uow.offers.get(offer_id)
    assert offer is not None
    offer.need_to_be_updated, offer.update_reason = True, "past_weeks"


def scenario(begin: Begin) -> list[Any]:
    """Every answer (or refusal) of a host's day with offers and drafts, in order."""
    answers: list[Any] = []
    morning = utcnow()

    def step(use_case: Callable[..., Any], *args: Any) -> Any:
        try:
            with begin() as uow:
                answer = use_case(uow, *args)
        except DomainError as error:
            answer = {"refused": error.code, "fields": error.fields}
        answers.append(comparable(answer))
        return answer

    body = OfferBody.model_validate(offer_body(today=TODAY))
    first = step(catalogue.create, HOST, body, TODAY, LOOKUPS, "clic-1")
    step(catalogue.create, HOST, body, TODAY, LOOKUPS, "clic-1")
    step(catalogue.create, HOST, body.model_copy(update={"title": "Autre"}), TODAY, LOOKUPS, "clic-1")
    second = step(catalogue.create, HOST, body.model_copy(update={"space_id": 71}), TODAY, LOOKUPS)
    copy = step(catalogue.duplicate, HOST, first["id"], TODAY)
    step(
        catalogue.update,
        HOST,
        second["id"],
        {"title": "Pâtisserie", "employer": {"name": "Aux Canuts"}},
        TODAY,
        LOOKUPS,
    )
    step(catalogue.update, HOST, second["id"], {"max_candidates": 0}, TODAY, LOOKUPS)
    step(catalogue.unpublish, HOST, first["id"], TODAY)
    step(catalogue.publish, HOST, copy["id"], TODAY)
    step(seats.apply_seats_changed, {"offer_id": second["id"], "approved_count": 1, "sequence": 1}, TODAY)
    step(catalogue.delete, HOST, second["id"])
    step(catalogue.delete, STRANGER, first["id"])
    step(catalogue.delete, HOST, first["id"])
    step(catalogue.get, HOST, first["id"], TODAY)
    step(mark_to_update, second["id"])
    step(seats.offer_for_application, first["id"], TODAY)
    step(catalogue.preview, None, copy["id"], TODAY)
    step(catalogue.list_team_offers, HOST, TODAY)
    step(catalogue.list_team_offers, HOST, TODAY, None, "published", 2, 1)
    step(catalogue.list_team_offers, HOST, TODAY, 71)
    older = step(drafts.save, HOST, None, {"title": "Brouillon"}, None, morning)
    newer = step(drafts.save, HOST, None, {}, copy["id"], morning + timedelta(minutes=1))
    step(drafts.listing, HOST)
    step(drafts.submit, HOST, older["id"], TODAY, LOOKUPS)
    step(
        drafts.save,
        HOST,
        older["id"],
        offer_body(today=TODAY, title="Du brouillon"),
        None,
        morning + timedelta(minutes=2),
    )
    step(drafts.listing, HOST)
    step(drafts.submit, HOST, older["id"], TODAY, LOOKUPS)
    step(drafts.delete, HOST, newer["id"])
    step(drafts.listing, HOST)
    step(catalogue.list_team_offers, HOST, TODAY)
    return answers


def stored(offers: list[Offer]) -> list[tuple[Any, ...]]:
    return [
        (
            offer.id,
            offer.version,
            offer.status,
            offer.space_id,
            offer.title,
            offer.approved_count,
            offer.deleted_at is None,
        )
        for offer in offers
    ]


@pytest.fixture
def sql_transaction(tmp_path: Path) -> Iterator[Transaction]:
    with migrated_sqlite("offers", tmp_path, OutboxMessage, ProcessedEvent) as transaction:
        yield transaction


def test_the_fake_unit_of_work_answers_emits_and_stores_as_the_sql_one(sql_transaction):
    fake = FakeUnitOfWork()
    fake_answers = scenario(fake.transaction)
    sql_answers = scenario(lambda: opened(sql_transaction))

    assert fake_answers == sql_answers
    # The scenario goes through refusals and successes alike.
    assert {"refused": "NOT_FOUND", "fields": None} in sql_answers
    assert {"refused": "OFFER_HAS_APPROVED_PUPILS", "fields": None} in sql_answers
    with sql_transaction() as session:
        sql_events = [
            (row.event_type, row.payload) for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        sql_offers = stored(list(session.scalars(select(Offer).order_by(Offer.id))))
    assert [(event.event_type, event.payload) for event in fake.events] == sql_events
    assert stored(fake.offers.all()) == sql_offers
    assert len(sql_events) == 7 and len(sql_offers) == 4
