"""offers need to be updated: school year, flag and reason

Revision ID: d5e8a1f4b2c6
Revises: c3f1a9e2d7b4
Create Date: 2026-12-07 16:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.common.database import UTCDateTime
from services.common.school_calendar import PARIS, SchoolYear

revision = "d5e8a1f4b2c6"
down_revision = "c3f1a9e2d7b4"
branch_labels = None
depends_on = None

_offers = sa.table(
    "offers",
    sa.column("id", sa.Integer()),
    sa.column("team_id", sa.Integer()),
    sa.column("published_at", UTCDateTime()),
    sa.column("created_at", UTCDateTime()),
    sa.column("school_year", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_year", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("need_to_be_updated", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(sa.Column("update_reason", sa.String(length=30), nullable=True))
        batch_op.create_index(batch_op.f("ix_offers_need_to_be_updated"), ["need_to_be_updated"], unique=False)
    # The teams' offers stored before: published (else created) for the school year of that day,
    # so the first review pass rolls last year's offers over.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_offers.c.id, _offers.c.published_at, _offers.c.created_at).where(_offers.c.team_id.is_not(None))
    ).all()
    for offer_id, published_at, created_at in rows:
        moment = published_at or created_at
        year = SchoolYear.current(moment.astimezone(PARIS).date()).start_year
        bind.execute(sa.update(_offers).where(_offers.c.id == offer_id).values(school_year=year))


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_need_to_be_updated"))
        batch_op.drop_column("update_reason")
        batch_op.drop_column("need_to_be_updated")
        batch_op.drop_column("school_year")
