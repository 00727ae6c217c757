"""partner offers' school year: the review pass marks partners' offers too

Revision ID: e2b7c4a9f1d3
Revises: d5e8a1f4b2c6
Create Date: 2026-12-07 23:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.common.database import UTCDateTime
from services.common.school_calendar import PARIS, SchoolYear

revision = "e2b7c4a9f1d3"
down_revision = "d5e8a1f4b2c6"
branch_labels = None
depends_on = None

_offers = sa.table(
    "offers",
    sa.column("id", sa.Integer()),
    sa.column("operator_id", sa.Integer()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("school_year", sa.Integer()),
)


def upgrade() -> None:
    # A partner's offer was checked against the school year of its last change by the partner
    # (``updated_at``; a partner's offer has no seats taken nor team to move it): the school
    # year it is for. Its ``published_at`` is whatever instant the partner sent.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_offers.c.id, _offers.c.updated_at).where(
            _offers.c.operator_id.is_not(None), _offers.c.school_year.is_(None)
        )
    ).all()
    for offer_id, updated_at in rows:
        year = SchoolYear.current(updated_at.astimezone(PARIS).date()).start_year
        bind.execute(sa.update(_offers).where(_offers.c.id == offer_id).values(school_year=year))


def downgrade() -> None:
    # The partners' offers had no school year before.
    bind = op.get_bind()
    bind.execute(sa.update(_offers).where(_offers.c.operator_id.is_not(None)).values(school_year=None))
