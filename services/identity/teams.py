"""Teams and their spaces (invitations and settings come with their issue)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.identity.models import Space


def spaces_of(session: Session, team_id: int) -> list[dict[str, Any]]:
    """The team's spaces, the default one first."""
    spaces = session.scalars(
        select(Space).where(Space.team_id == team_id).order_by(Space.is_default.desc(), Space.id)
    ).all()
    return [{"id": space.id, "name": space.name, "is_default": space.is_default} for space in spaces]
