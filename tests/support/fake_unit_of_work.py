"""What every in-memory unit of work of the unit tests shares: tables of rows and a transaction.

A service's fake (``fake_offers``, ``fake_conventions``) gives its repositories ``Table``s of
its own models (unattached to any session) and inherits from ``InMemoryUnitOfWork`` the events
(recorded instead of stored in an outbox: ``events`` holds those committed, in order), the
commit and the rollback, which forgets every change and event since the last commit.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import UniqueConstraint

from services.common.contracts.events import EventPayload

Row = TypeVar("Row")


@dataclass(frozen=True)
class RecordedEvent:
    """An event the use case emitted: its type and its payload as the outbox stores it (JSON)."""

    event_id: str
    event_type: str
    payload: dict[str, Any]


class Table(Generic[Row]):
    """The rows of one table by primary key, as a transaction sees them."""

    def __init__(self, model: type[Row]) -> None:
        table: Any = model.__table__  # type: ignore[attr-defined]
        self.model = model
        self.columns = list(table.columns)
        [self.key] = [column.key for column in table.primary_key.columns]
        # Each unique constraint (and unique column) as the names of its columns.
        self.uniques = [
            [column.key for column in constraint.columns]
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        ] + [[column.key] for column in self.columns if column.unique]
        self.rows: dict[Any, Row] = {}
        self._last_id = 0

    def get(self, key: Any) -> Row | None:
        return self.rows.get(key)

    def insert(self, row: Row) -> None:
        """Give the row its id (unless its key is given) and the defaults its columns declare,
        as an INSERT does; refuse it as a unique constraint would (ValueError)."""
        for column in self.columns:
            if getattr(row, column.key) is not None or column.default is None:
                continue
            default: Any = column.default
            # A callable default (``utcnow``, ``list``) is wrapped by SQLAlchemy to take the
            # execution context, which none of these defaults reads.
            setattr(row, column.key, default.arg(None) if default.is_callable else default.arg)
        for names in self.uniques:
            values = [getattr(row, name) for name in names]
            # As in SQL, a NULL in the constraint's columns is never equal to another.
            if None not in values and any([getattr(other, name) for name in names] == values for other in self):
                raise ValueError(f"unique {tuple(names)} broken: {tuple(values)}")
        if getattr(row, self.key) is None:
            self._last_id += 1
            setattr(row, self.key, self._last_id)
        self.rows[getattr(row, self.key)] = row

    def delete(self, row: Row) -> None:
        del self.rows[getattr(row, self.key)]

    def __iter__(self) -> Iterator[Row]:
        """The rows in the order of their keys."""
        return iter([self.rows[key] for key in sorted(self.rows)])

    def saved(self) -> dict[Any, tuple[Row, dict[str, Any]]]:
        """Each row with a copy of its values, to come back to on rollback."""
        return {
            key: (row, {column.key: copy.deepcopy(getattr(row, column.key)) for column in self.columns})
            for key, row in self.rows.items()
        }

    def restore(self, saved: dict[Any, tuple[Row, dict[str, Any]]]) -> None:
        # Ids are not given back: as a PostgreSQL sequence, a rolled back id is never reused.
        self.rows = {}
        for key, (row, values) in saved.items():
            for name, value in values.items():
                setattr(row, name, copy.deepcopy(value))
            self.rows[key] = row


class InMemoryUnitOfWork:
    """A unit of work on ``tables``; ``transaction()`` is what the service's ``opened`` is."""

    def __init__(self, tables: list[Table[Any]]) -> None:
        self.events: list[RecordedEvent] = []
        self._pending: list[RecordedEvent] = []
        self._tables = tables
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
    def transaction(self) -> Iterator[Self]:
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
