"""offer drafts and reservation to several schools

Revision ID: 68de5dcf95c0
Revises: 4a9d63ea3e8b
Create Date: 2026-12-06 02:49:21.608070
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.common.database

revision = "68de5dcf95c0"
down_revision = "4a9d63ea3e8b"
branch_labels = None
depends_on = None

# The two columns as the data steps see them (the models hold only the list).
_offers = sa.table(
    "offers",
    sa.column("id", sa.Integer()),
    sa.column("reserved_school_uai", sa.String(8)),
    sa.column("reserved_school_uais", sa.JSON()),
)


def upgrade() -> None:
    op.create_table(
        "offer_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", services.common.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", services.common.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_drafts_team_id"), ["team_id"], unique=False)

    # An offer reserved to one school becomes reserved to the list of that one school.
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reserved_school_uais", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    connection = op.get_bind()
    reserved = connection.execute(
        sa.select(_offers.c.id, _offers.c.reserved_school_uai).where(_offers.c.reserved_school_uai.is_not(None))
    ).all()
    for offer_id, uai in reserved:
        connection.execute(_offers.update().where(_offers.c.id == offer_id).values(reserved_school_uais=[uai]))
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("reserved_school_uai")


def downgrade() -> None:
    # An offer reserved to several schools keeps the first one.
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reserved_school_uai", sa.VARCHAR(length=8), nullable=True))
    connection = op.get_bind()
    for offer_id, uais in connection.execute(sa.select(_offers.c.id, _offers.c.reserved_school_uais)).all():
        if uais:
            connection.execute(_offers.update().where(_offers.c.id == offer_id).values(reserved_school_uai=uais[0]))
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("reserved_school_uais")

    with op.batch_alter_table("offer_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_drafts_team_id"))
    op.drop_table("offer_drafts")
