"""offer projection: reserved school lists

Offers may now be reserved to several schools: each stored snapshot gets the list
(``reserved_school_uais``) beside the one UAI it carried (``reserved_school_uai``, kept: the
first of the list). Snapshots are JSON, so this is a data step; the index reads both forms
(``OfferSnapshot``), so replicas still on the previous code keep working meanwhile.

Revision ID: 29fb31715e9f
Revises: a12df5c6e35c
Create Date: 2026-12-06 02:49:32.549749
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "29fb31715e9f"
down_revision = "a12df5c6e35c"
branch_labels = None
depends_on = None

_projection = sa.table("offer_projection", sa.column("offer_id", sa.Integer()), sa.column("snapshot", sa.JSON()))
_BATCH = 1000


def _rewrite(change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
    """Apply ``change(snapshot) -> snapshot | None`` (None: unchanged) to every stored snapshot."""
    connection = op.get_bind()
    last = -1
    while True:
        rows = connection.execute(
            sa.select(_projection.c.offer_id, _projection.c.snapshot)
            .where(_projection.c.offer_id > last)
            .order_by(_projection.c.offer_id)
            .limit(_BATCH)
        ).all()
        for offer_id, snapshot in rows:
            # A deleted offer's row keeps no snapshot.
            changed = change(snapshot) if isinstance(snapshot, dict) else None
            if changed is not None:
                connection.execute(
                    _projection.update().where(_projection.c.offer_id == offer_id).values(snapshot=changed)
                )
        if len(rows) < _BATCH:
            return
        last = rows[-1][0]


def _with_list(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    if "reserved_school_uais" in snapshot:
        return None
    uai = snapshot.get("reserved_school_uai")
    return {**snapshot, "reserved_school_uais": [uai] if uai else []}


def _without_list(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    if "reserved_school_uais" not in snapshot:
        return None
    return {key: value for key, value in snapshot.items() if key != "reserved_school_uais"}


def upgrade() -> None:
    _rewrite(_with_list)


def downgrade() -> None:
    _rewrite(_without_list)
