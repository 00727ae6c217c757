"""What every service's SQL unit of work shares: the session of one transaction, its events in
the outbox table, and how the service opens one.

A service's unit of work (``services/offers/unit_of_work.py``, ``services/conventions/
unit_of_work.py``) adds its repositories on the same session; its use cases see only those
and ``emit``, so they run unchanged on the in-memory fakes of the unit tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, Self

from sqlalchemy.orm import Session

from services.common.contracts.events import EventPayload
from services.common.outbox import emit


class EmittingUnitOfWork(Protocol):
    """What every unit of work does besides its repositories (a service's protocol adds them)."""

    def emit(self, event_type: str, payload: EventPayload) -> str:
        """Record an event with the change it describes (published once committed); its id."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None:
        """Forget every change and event since the last commit."""
        ...


class SessionUnitOfWork:
    """A unit of work on the session of one transaction; events go to its outbox table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def emit(self, event_type: str, payload: EventPayload) -> str:
        """Record an event with the change it describes (published once committed); its id."""
        return emit(self.session, event_type, payload)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        """Forget every change and event since the last commit."""
        self.session.rollback()

    @classmethod
    @contextmanager
    def opened(cls, transaction: Callable[[], AbstractContextManager[Session]]) -> Iterator[Self]:
        """A unit of work in a new transaction (``Database.transaction``): committed when the
        block ends without error (the outbox relay woken), rolled back otherwise."""
        with transaction() as session:
            yield cls(session)
