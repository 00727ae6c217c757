"""code sendings' client address

The client address that asked for an SMS code, kept with the sending as a signature keeps
it, and counted: at most 10 codes per client address per 15 minutes.

Revision ID: b5d2c8e4a610
Revises: 023071add33c
Create Date: 2026-12-07 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b5d2c8e4a610"
down_revision = "023071add33c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("code_sendings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ip", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_code_sendings_ip"), ["ip"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("code_sendings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_sendings_ip"))
        batch_op.drop_column("ip")
