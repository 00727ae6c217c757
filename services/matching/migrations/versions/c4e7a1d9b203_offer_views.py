"""offer_views: one row per pupil, offer and day a pupil read an offer's page (hosts' statistics)

Revision ID: c4e7a1d9b203
Revises: b889558a5e51
Create Date: 2026-12-07 15:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c4e7a1d9b203"
down_revision = "b889558a5e51"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offer_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("offer_id", "pupil_id", "day", name="uq_offer_views_offer_pupil_day"),
    )


def downgrade() -> None:
    op.drop_table("offer_views")
