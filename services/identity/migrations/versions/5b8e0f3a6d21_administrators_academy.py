"""administrators' academy

Administrators (role ``admin``, created by ``python -m services.identity.create_admin``) are
national or of one academy: ``users.academy`` names it (NULL for everyone else). The role
itself needs no change: ``users.role`` is a free String(20).

Revision ID: 5b8e0f3a6d21
Revises: c4d2a7e91b30
Create Date: 2026-12-06 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b8e0f3a6d21"
down_revision = "c4d2a7e91b30"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("academy", sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("academy")
