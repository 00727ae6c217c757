"""offer contact phone, employer trade name and ministry

Revision ID: c3f1a9e2d7b4
Revises: 68de5dcf95c0
Create Date: 2026-12-07 15:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c3f1a9e2d7b4"
down_revision = "68de5dcf95c0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: the offers already stored have none of the three.
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employer_trade_name", sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column("employer_ministry", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("employer_ministry")
        batch_op.drop_column("employer_trade_name")
