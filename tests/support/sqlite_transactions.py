"""Transactions on a migrated SQLite file of one service: the SQL side of the contract tests
that hold an in-memory unit of work to the service's SQL one (no broker, no server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from services.common.database import UnitOfWork, create_service_engine
from services.common.migrations import upgrade

Transaction = Callable[[], AbstractContextManager[Session]]


@contextmanager
def migrated_sqlite(service: str, folder: Path, outbox_model: type, processed_model: type) -> Iterator[Transaction]:
    """``Database.transaction`` of ``service`` on a SQLite file in ``folder`` migrated to its
    head, with the outbox as the service has it."""
    url = f"sqlite:///{folder / f'{service}.db'}"
    upgrade(service, url)
    engine = create_service_engine(url)
    factory = sessionmaker(
        engine, expire_on_commit=False, info={"outbox_model": outbox_model, "processed_model": processed_model}
    )
    try:
        yield UnitOfWork(factory, lambda _session: None).transaction
    finally:
        engine.dispose()
