"""Throw-away service databases for tests, on SQLite or on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from services.common.database import create_service_engine
from services.common.migrations import upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@dataclass
class DatabaseSet:
    """One migrated database per service."""

    backend: str
    urls: dict[str, str]
    _admin_url: str | None = None
    _engines: dict[str, sa.Engine] = field(default_factory=dict)

    @classmethod
    def create(cls, backend: str, label: str, services: Iterable[str], folder: Path) -> DatabaseSet:
        urls: dict[str, str] = {}
        admin_url = None
        if backend == "sqlite":
            for service in services:
                urls[service] = f"sqlite:///{folder / f'{service}.db'}"
        elif backend == "postgresql":
            admin_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            suffix = uuid.uuid4().hex[:8]
            with admin.connect() as connection:
                for service in services:
                    name = f"e1s_{label}_{service}_{suffix}"
                    connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
                    urls[service] = admin.url.set(database=name).render_as_string(hide_password=False)
            admin.dispose()
        else:
            raise ValueError(f"TEST_DATABASE must be sqlite or postgresql, not {backend!r}")
        for service, url in urls.items():
            upgrade(service, url)
        return cls(backend, urls, admin_url)

    def env(self) -> dict[str, str]:
        """``DATABASE_URL_<SERVICE>`` variables pointing at these databases."""
        return {f"DATABASE_URL_{service.upper()}": url for service, url in self.urls.items()}

    def engine(self, service: str) -> sa.Engine:
        if service not in self._engines:
            self._engines[service] = create_service_engine(self.urls[service])
        return self._engines[service]

    def empty(self) -> None:
        """Delete every row of every table (schemas stay): a clean slate for the next test."""
        for service in self.urls:
            engine = self.engine(service)
            metadata = sa.MetaData()
            metadata.reflect(engine)
            with engine.begin() as connection:
                for table in reversed(metadata.sorted_tables):
                    if table.name != "alembic_version":
                        connection.execute(table.delete())

    def drop(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        if self.backend != "postgresql" or self._admin_url is None:
            return
        admin = sa.create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for url in self.urls.values():
                name = sa.engine.make_url(url).database
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
