"""teachers confirmed by their head of school

A teacher's account now waits for the head of their school before it shows any pupil
(``staff_status``: pending, confirmed, refused; other roles keep NULL). Teachers who had an
account before this revision could already see their school's pupils: they are marked
confirmed, so nothing is taken from them; every later sign-up starts pending.

Revision ID: c4d2a7e91b30
Revises: 8a2219fae0c7
Create Date: 2026-12-06 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.common.database

revision = "c4d2a7e91b30"
down_revision = "8a2219fae0c7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("staff_status", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("staff_decided_at", services.common.database.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("staff_decided_by", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET staff_status = 'confirmed' WHERE role = 'teacher'")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("staff_decided_by")
        batch.drop_column("staff_decided_at")
        batch.drop_column("staff_status")
