"""The migration that lets offers be marked « à mettre à jour » dates the stored teams' offers
with the school year they were published for (else created), on the run's database."""

from __future__ import annotations

import pytest
from alembic import command

from services.common.migrations import alembic_config
from tests.integration.test_reservation_migrations import empty_database, execute, rows

pytestmark = pytest.mark.integration
__all__ = ["empty_database"]  # the fixture, used by name

BEFORE, AFTER, PARTNERS = "c3f1a9e2d7b4", "d5e8a1f4b2c6", "e2b7c4a9f1d3"
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


def test_stored_partner_offers_get_the_school_year_of_their_last_change(empty_database):
    config = alembic_config("offers", empty_database)
    command.upgrade(config, AFTER)
    # changed by the partner in May 2026 (school year 2025-2026), in October 2026 (2026) though
    # published (the instant the partner sent) in 2024; a team's offer keeps its own
    for offer_id, team_id, operator_id, changed_at, published_at in (
        (1, None, 9, "2026-05-10 10:00:00+00:00", "2026-05-10 10:00:00+00:00"),
        (2, None, 9, "2026-10-01 10:00:00+00:00", "2024-03-01 10:00:00+00:00"),
        (3, 1, None, "2026-10-01 10:00:00+00:00", "2025-10-01 10:00:00+00:00"),
    ):
        execute(empty_database, OFFER, id=offer_id, team_id=team_id, created_at=changed_at, published_at=published_at)
        execute(empty_database, "UPDATE offers SET operator_id = :o WHERE id = :id", id=offer_id, o=operator_id)
    execute(empty_database, "UPDATE offers SET school_year = 2025 WHERE id = 3")

    command.upgrade(config, PARTNERS)
    assert rows(empty_database, "SELECT id, school_year FROM offers ORDER BY id") == [(1, 2025), (2, 2026), (3, 2025)]
    command.downgrade(config, AFTER)
    assert rows(empty_database, "SELECT id, school_year FROM offers ORDER BY id") == [(1, None), (2, None), (3, 2025)]
