"""An in-memory unit of work of the offers service, for unit tests of its use cases.

It holds the same rows (``Offer``, ``IdempotencyKey``, ``OfferDraft``, unattached to any session)
in dicts and behaves as ``services.offers.unit_of_work.SqlUnitOfWork`` for what the use cases
do: ids given on ``add`` (1, 2, … as a fresh table), the columns' defaults filled in, the team's
list filtered, ordered and paged as the SQL query does, a second idempotency key of one scope
refused as the unique constraint refuses it, and a rollback that forgets every change and
event since the last commit. Events are recorded instead of stored in an outbox: ``events``
holds those committed, in order. ``tests/unit/test_offers_unit_of_work_contract.py`` runs one
scenario on this and on the SQL unit of work, so the two cannot drift apart.

It lives in ``tests/support`` rather than in the service's package: only tests use it, and the
service's code (and its image) carries nothing that production never runs.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.common.contracts.events import EventPayload
from services.offers.models import IdempotencyKey, Offer, OfferDraft
from services.offers.unit_of_work import OfferPage

Row = TypeVar("Row", Offer, IdempotencyKey, OfferDraft)


@dataclass(frozen=True)
class RecordedEvent:
    """An event the use case emitted: its type and its payload as the outbox stores it (JSON)."""

    event_id: str
    event_type: str
    payload: dict[str, Any]


class _Table(Generic[Row]):
    """The rows of one table by id, as a transaction sees them."""

    def __init__(self, model: type[Row]) -> None:
        self.model = model
        self.columns = list(model.__table__.columns)
        self.rows: dict[int, Row] = {}
        self._last_id = 0

    def get(self, row_id: int) -> Row | None:
        return self.rows.get(row_id)

    def insert(self, row: Row) -> None:
        """Give the row its id and the defaults its columns declare, as an INSERT does."""
        for column in self.columns:
            if getattr(row, column.key) is not None or column.default is None:
                continue
            default: Any = column.default
            # A callable default (``utcnow``, ``list``) is wrapped by SQLAlchemy to take the
            # execution context, which none of these defaults reads.
            setattr(row, column.key, default.arg(None) if default.is_callable else default.arg)
        self._last_id += 1
        row.id = self._last_id
        self.rows[row.id] = row

    def delete(self, row: Row) -> None:
        del self.rows[row.id]

    def saved(self) -> dict[int, tuple[Row, dict[str, Any]]]:
        """Each row with a copy of its values, to come back to on rollback."""
        return {
            row_id: (row, {column.key: copy.deepcopy(getattr(row, column.key)) for column in self.columns})
            for row_id, row in self.rows.items()
        }

    def restore(self, saved: dict[int, tuple[Row, dict[str, Any]]]) -> None:
        # Ids are not given back: as a PostgreSQL sequence, a rolled back id is never reused.
        self.rows = {}
        for row_id, (row, values) in saved.items():
            for key, value in values.items():
                setattr(row, key, copy.deepcopy(value))
            self.rows[row_id] = row


class FakeOffers:
    def __init__(self) -> None:
        self.table = _Table(Offer)

    def get(self, offer_id: int, *, lock: bool = False) -> Offer | None:
        # One caller at a time in a unit test: there is nothing to lock against.
        return self.table.get(offer_id)

    def add(self, offer: Offer) -> None:
        self.table.insert(offer)

    def team_page(
        self, team_id: int, *, space_id: int | None, status: str | None, page: int, per_page: int
    ) -> OfferPage:
        matching = [
            offer
            for offer in self.table.rows.values()
            if offer.team_id == team_id
            and offer.deleted_at is None
            and (space_id is None or offer.space_id == space_id)
            and (status is None or offer.status == status)
        ]
        matching.sort(key=lambda offer: (not offer.need_to_be_updated, -offer.id))
        start = (page - 1) * per_page
        return OfferPage(matching[start : start + per_page], len(matching))

    def all(self) -> list[Offer]:
        """Every stored offer (deleted ones too), by id: what a test reads after a use case."""
        return [self.table.rows[offer_id] for offer_id in sorted(self.table.rows)]


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.table = _Table(IdempotencyKey)

    def find(self, scope: str, key: str) -> IdempotencyKey | None:
        return next((row for row in self.table.rows.values() if (row.scope, row.key) == (scope, key)), None)

    def add(self, record: IdempotencyKey) -> None:
        if self.find(record.scope, record.key) is not None:
            raise ValueError(f"unique (scope, key) broken: {record.scope} {record.key}")
        self.table.insert(record)


class FakeDrafts:
    def __init__(self) -> None:
        self.table = _Table(OfferDraft)

    def get(self, draft_id: int, *, lock: bool = False) -> OfferDraft | None:
        return self.table.get(draft_id)

    def add(self, draft: OfferDraft) -> None:
        self.table.insert(draft)

    def remove(self, draft: OfferDraft) -> None:
        self.table.delete(draft)

    def of_team(self, team_id: int) -> list[OfferDraft]:
        drafts = [draft for draft in self.table.rows.values() if draft.team_id == team_id]
        return sorted(drafts, key=lambda draft: (draft.updated_at, draft.id), reverse=True)


class FakeUnitOfWork:
    """``OffersUnitOfWork`` in memory; ``transaction()`` is what the service's ``opened`` is."""

    def __init__(self) -> None:
        self.offers = FakeOffers()
        self.idempotency_keys = FakeIdempotencyKeys()
        self.drafts = FakeDrafts()
        self.events: list[RecordedEvent] = []
        self._pending: list[RecordedEvent] = []
        self._tables: list[_Table[Any]] = [self.offers.table, self.idempotency_keys.table, self.drafts.table]
        self._saved = [table.saved() for table in self._tables]

    def emit(self, event_type: str, payload: EventPayload) -> str:
        event = RecordedEvent(str(uuid.uuid4()), event_type, payload.model_dump(mode="json"))
        self._pending.append(event)
        return event.event_id

    def commit(self) -> None:
        self.events.extend(self._pending)
        self._pending.clear()
        self._saved = [table.saved() for table in self._tables]

    def rollback(self) -> None:
        for table, saved in zip(self._tables, self._saved, strict=True):
            table.restore(saved)
        self._pending.clear()

    @contextmanager
    def transaction(self) -> Iterator[FakeUnitOfWork]:
        """Committed when the block ends without error, rolled back otherwise."""
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def run(self, use_case: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``use_case(self, *args, **kwargs)`` in one transaction, as the service runs it."""
        with self.transaction():
            return use_case(self, *args, **kwargs)

    def events_of(self, event_type: str) -> list[dict[str, Any]]:
        """The payloads of the committed events of one type, in order."""
        return [event.payload for event in self.events if event.event_type == event_type]
