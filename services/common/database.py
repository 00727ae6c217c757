"""SQLAlchemy 2 plumbing: engines, a nameko dependency provider and the unit of work.

One engine per container (created in ``setup``), one session per transaction, opened by the
worker through ``db.transaction()``. SQLite is the local default (WAL, foreign keys on);
PostgreSQL is reached with psycopg2, which ``eventlet.monkey_patch()`` makes green (its
psycopg2 patcher installs a wait callback), so a query waits without blocking the other
workers of the process (``tests/integration/test_database_green.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from services.common.config import database_url

_log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type: without this, values written aware come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def upsert_insert(session: Session) -> Any:
    """The ``insert`` of the session's dialect, which has ``on_conflict_do_*`` (SQLite and PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_service_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this platform relies on."""
    if url.startswith("sqlite"):
        # sqlite3 blocks the whole eventlet hub while it waits for a lock. With one
        # connection per process, a second writer waits on the pool (a green wait) instead
        # of spinning inside SQLite while the holder of the lock can never run.
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
            connect_args={"check_same_thread": False, "timeout": 10},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_recycle=1800)


class UnitOfWork:
    """Opens transactions that commit on success and roll back on any error."""

    def __init__(self, session_factory: sessionmaker[Session], after_commit: Callable[[Session], None]) -> None:
        self._session_factory = session_factory
        self._after_commit = after_commit

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose changes are committed when the block ends without error."""
        session = self._session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        self._after_commit(session)


class Database(DependencyProvider):
    """nameko dependency: ``self.db.transaction()`` in a worker; relays the outbox if given."""

    def __init__(
        self, service_name: str, outbox_model: type | None = None, processed_model: type | None = None
    ) -> None:
        self.service_name = service_name
        self.outbox_model = outbox_model
        self.processed_model = processed_model
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.relay: Any = None

    def setup(self) -> None:
        self.engine = create_service_engine(database_url(self.service_name))
        info = {"outbox_model": self.outbox_model, "processed_model": self.processed_model}
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False, info=info)
        if self.outbox_model is not None:
            from services.common.outbox import OutboxRelay

            self.relay = OutboxRelay(
                self.service_name, self.session_factory, self.outbox_model, self.container.config["AMQP_URI"]
            )

    def start(self) -> None:
        if self.relay is not None:
            self.relay.start(self.container.spawn_managed_thread)

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        if self.engine is not None:
            self.engine.dispose()

    kill = stop

    def _after_commit(self, session: Session) -> None:
        if self.relay is not None and session.info.pop("outbox_pending", False):
            self.relay.wake()

    def get_dependency(self, worker_ctx: Any) -> UnitOfWork:
        assert self.session_factory is not None
        return UnitOfWork(self.session_factory, self._after_commit)
