"""rate counts

Counters of the rate limits of the routes open to anyone (sign-up, password reset, the
confirmation email sent again) and of wrong passwords by client address and by device: see
``services.identity.rate_limits``.

Revision ID: a7c3e5f19d42
Revises: 5b8e0f3a6d21
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a7c3e5f19d42"
down_revision = "5b8e0f3a6d21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counts",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("window_end", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_end"),
    )
    op.create_index(op.f("ix_rate_counts_window_end"), "rate_counts", ["window_end"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_counts_window_end"), table_name="rate_counts")
    op.drop_table("rate_counts")
