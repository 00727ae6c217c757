"""The migrations that made offers reservable to several schools keep the stored reservations,
up and down, on the database of the run (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from services.common.database import create_service_engine
from services.common.migrations import alembic_config
from tests.support.databases import DEFAULT_POSTGRES_URL

pytestmark = pytest.mark.integration

OFFERS_BEFORE, OFFERS_AFTER = "4a9d63ea3e8b", "68de5dcf95c0"
MATCHING_BEFORE, MATCHING_AFTER = "a12df5c6e35c", "29fb31715e9f"


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on the run's backend."""
    if os.environ.get("TEST_DATABASE", "sqlite") != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    admin = sa.create_engine(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"e1s_migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rows(url: str, query: str) -> list[tuple]:
    engine = create_service_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def execute(url: str, statement: str, **values: object) -> None:
    engine = create_service_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement), values)
    finally:
        engine.dispose()


def as_json(value: object) -> object:
    # SQLite answers JSON columns as text through a textual query; PostgreSQL decodes them.
    return json.loads(value) if isinstance(value, str) else value


# An offer as the revision before stored it (one reserved school at most).
LEGACY_OFFER = (
    "INSERT INTO offers (id, team_id, space_id, created_by, status, version, title, description, sector, "
    "employer_name, employer_is_public, street, zipcode, city, latitude, longitude, grades, daily_hours, "
    "lunch_break, max_candidates, approved_count, reserved_rep, reserved_qpv, reserved_school_uai, "
    "handicap_accessible, created_at, updated_at) "
    "VALUES (:id, 1, 1, 1, 'published', 1, 'Titre', 'Une description.', 's12', 'Boulangerie', false, '1 rue', "
    "'69004', 'Lyon', 45.7, 4.8, '[\"troisieme\"]', '{}', 'Pause', 2, 0, false, false, :uai, false, "
    "'2026-11-30 10:00:00+00:00', '2026-11-30 10:00:00+00:00')"
)


def add_legacy_offer(url: str, offer_id: int, uai: str | None) -> None:
    execute(url, LEGACY_OFFER, id=offer_id, uai=uai)


def test_offers_reserved_to_one_school_become_reserved_to_its_list(empty_database):
    config = alembic_config("offers", empty_database)
    command.upgrade(config, OFFERS_BEFORE)
    add_legacy_offer(empty_database, 1, "0752694W")
    add_legacy_offer(empty_database, 2, None)

    command.upgrade(config, OFFERS_AFTER)
    stored = rows(empty_database, "SELECT id, reserved_school_uais FROM offers ORDER BY id")
    assert [(offer_id, as_json(uais)) for offer_id, uais in stored] == [(1, ["0752694W"]), (2, [])]
    assert rows(empty_database, "SELECT count(*) FROM offer_drafts") == [(0,)]

    execute(empty_database, """UPDATE offers SET reserved_school_uais = '["0753937X", "0752694W"]' WHERE id = 2""")
    command.downgrade(config, OFFERS_BEFORE)
    assert rows(empty_database, "SELECT id, reserved_school_uai FROM offers ORDER BY id") == [
        (1, "0752694W"),
        (2, "0753937X"),
    ]


def test_the_projections_snapshots_get_the_list_of_schools(empty_database):
    config = alembic_config("matching", empty_database)
    command.upgrade(config, MATCHING_BEFORE)
    snapshots = {1: {"offer_id": 1, "reserved_school_uai": "0752694W"}, 2: {"offer_id": 2, "reserved_school_uai": None}}
    for offer_id, snapshot in snapshots.items():
        execute(
            empty_database,
            "INSERT INTO offer_projection (offer_id, version, status, snapshot, changed_at, seq) "
            "VALUES (:id, 1, 'published', :snapshot, '2026-11-30 10:00:00+00:00', :id)",
            id=offer_id,
            snapshot=json.dumps(snapshot),
        )
    execute(
        empty_database,
        "INSERT INTO offer_projection (offer_id, version, status, snapshot, changed_at, seq) "
        "VALUES (3, 2, 'deleted', NULL, '2026-11-30 10:00:00+00:00', 3)",
    )

    command.upgrade(config, MATCHING_AFTER)
    stored = rows(empty_database, "SELECT offer_id, snapshot FROM offer_projection ORDER BY offer_id")
    assert [(offer_id, as_json(snapshot)) for offer_id, snapshot in stored] == [
        (1, {**snapshots[1], "reserved_school_uais": ["0752694W"]}),
        (2, {**snapshots[2], "reserved_school_uais": []}),
        (3, None),
    ]
    command.downgrade(config, MATCHING_BEFORE)
    stored = rows(empty_database, "SELECT offer_id, snapshot FROM offer_projection ORDER BY offer_id")
    assert [as_json(snapshot) for _, snapshot in stored] == [snapshots[1], snapshots[2], None]
