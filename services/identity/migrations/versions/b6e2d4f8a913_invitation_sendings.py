"""invitations resent: when the email last went out, and how many times

A pending invitation may be resent (a new token replaces the old one's hash): ``sent_at``
is the last sending, ``sendings`` counts them. Existing invitations were sent once, at
their creation.

Revision ID: b6e2d4f8a913
Revises: a7c3e5f19d42
Create Date: 2026-12-07 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.common.database

revision = "b6e2d4f8a913"
down_revision = "a7c3e5f19d42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team_invitations") as batch:
        batch.add_column(sa.Column("sent_at", services.common.database.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sendings", sa.Integer(), server_default="1", nullable=False))
    op.execute("UPDATE team_invitations SET sent_at = created_at")
    with op.batch_alter_table("team_invitations") as batch:
        batch.alter_column("sent_at", existing_type=services.common.database.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("team_invitations") as batch:
        batch.drop_column("sendings")
        batch.drop_column("sent_at")
