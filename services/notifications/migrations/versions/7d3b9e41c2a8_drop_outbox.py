"""drop outbox: notifications publishes no event

Revision ID: 7d3b9e41c2a8
Revises: 2361f014a658
Create Date: 2026-12-07 16:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.common.database

revision = "7d3b9e41c2a8"
down_revision = "2361f014a658"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing ever wrote to it (no handler or RPC of notifications emits): its relay only
    # polled an empty table every second.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))
    op.drop_table("outbox")


def downgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", services.common.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", services.common.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)
