"""Alembic, once for every service: each service's ``migrations/env.py`` calls ``run_env``."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text

from services.common.config import database_url
from services.common.database import create_service_engine

SERVICES_DIR = Path(__file__).resolve().parent.parent


def alembic_config(service: str, url: str | None = None) -> Config:
    """The Alembic configuration of one service, on its database URL."""
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("sqlalchemy.url", (url or database_url(service)).replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, url: str | None = None) -> None:
    """Bring the service's database schema to the latest revision."""
    command.upgrade(alembic_config(service, url), "head")


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's ``env.py``: online migrations on the configured URL."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_service_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas start together: one migrates, the others wait, then find nothing to do.
                connection.execute(text("SELECT pg_advisory_lock(hashtext('e1s-migrations'))"))
                connection.commit()
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                # SQLite alters tables by copying them
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def revision(service: str, message: str) -> None:
    """Autogenerate a revision of ``service`` from its models (developer command)."""
    upgrade(service)
    command.revision(alembic_config(service), message=message, autogenerate=True)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "revision":
        print("usage: python -m services.common.migrations revision SERVICE MESSAGE", file=sys.stderr)
        sys.exit(2)
    revision(sys.argv[2], sys.argv[3])
