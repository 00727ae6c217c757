"""favourites: the offers each pupil keeps in « Mes offres favorites »

Revision ID: b889558a5e51
Revises: 29fb31715e9f
Create Date: 2026-12-06 05:00:37.989612
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.common.database

revision = "b889558a5e51"
down_revision = "29fb31715e9f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "favourites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", services.common.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pupil_id", "offer_id", name="uq_favourites_pupil_offer"),
    )


def downgrade() -> None:
    op.drop_table("favourites")
