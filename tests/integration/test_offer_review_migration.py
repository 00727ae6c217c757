"""The migration that lets offers be marked « à mettre à jour » dates the stored teams' offers
with the school year they were published for (else created), on the run's database."""

from __future__ import annotations

import pytest
from alembic import command

from services.common.migrations import alembic_config
from tests.integration.test_reservation_migrations import empty_database, execute, rows

pytestmark = pytest.mark.integration
__all__ = ["empty_database"]  # the fixture, used by name

BEFORE, AFTER = "c3f1a9e2d7b4", "d5e8a1f4b2c6"
OFFER = (
    "INSERT INTO offers (id, team_id, space_id, created_by, status, version, title, description, sector, "
    "employer_name, employer_is_public, street, zipcode, city, latitude, longitude, grades, daily_hours, "
    "lunch_break, max_candidates, approved_count, seats_sequence, reserved_rep, reserved_qpv, "
    "reserved_school_uais, handicap_accessible, created_at, updated_at, published_at) "
    "VALUES (:id, :team_id, 1, 1, 'published', 1, 'Titre', 'Une description.', 's12', 'Boulangerie', false, "
    "'1 rue', '69004', 'Lyon', 45.7, 4.8, '[\"troisieme\"]', '{}', 'Pause', 2, 0, 0, false, false, '[]', false, "
    ":created_at, :created_at, :published_at)"
)


def test_stored_offers_get_the_school_year_they_were_published_for(empty_database):
    config = alembic_config("offers", empty_database)
    command.upgrade(config, BEFORE)
    # published in March 2026 (school year 2025-2026), in September 2026 (2026), created in June
    # 2026 and never published (2025), a partner's offer (no team: no school year)
    for offer_id, team_id, created_at, published_at in (
        (1, 1, "2026-03-10 10:00:00+00:00", "2026-03-10 10:00:00+00:00"),
        (2, 1, "2026-06-20 10:00:00+00:00", "2026-09-15 10:00:00+00:00"),
        (3, 1, "2026-06-20 10:00:00+00:00", None),
        (4, None, "2026-09-20 10:00:00+00:00", "2026-09-20 10:00:00+00:00"),
    ):
        execute(empty_database, OFFER, id=offer_id, team_id=team_id, created_at=created_at, published_at=published_at)

    command.upgrade(config, AFTER)
    stored = rows(empty_database, "SELECT id, school_year, need_to_be_updated, update_reason FROM offers ORDER BY id")
    assert [(offer_id, year, bool(flag), reason) for offer_id, year, flag, reason in stored] == [
        (1, 2025, False, None),
        (2, 2026, False, None),
        (3, 2025, False, None),
        (4, None, False, None),
    ]
    command.downgrade(config, BEFORE)
    assert rows(empty_database, "SELECT count(*) FROM offers") == [(4,)]
