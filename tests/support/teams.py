"""Putting an account in a team as an accepted invitation does, for tests of other services
(the invitation itself is tested in tests/integration/test_identity_teams.py)."""

from __future__ import annotations

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from services.identity.models import NotificationSetting, Space, User


def join_team(engine: Engine, user_id: int, team_id: int) -> None:
    """``user_id`` moves into ``team_id`` and is notified for every space of it."""
    with Session(engine) as session, session.begin():
        session.execute(update(User).where(User.id == user_id).values(team_id=team_id))
        for space_id in session.scalars(select(Space.id).where(Space.team_id == team_id)).all():
            session.add(NotificationSetting(space_id=space_id, user_id=user_id, notify=True))


def default_space(engine: Engine, team_id: int) -> int:
    """The id of the team's default space."""
    with Session(engine) as session:
        return session.scalars(select(Space.id).where(Space.team_id == team_id, Space.is_default)).one()


def mute(engine: Engine, user_id: int, space_id: int) -> None:
    """``user_id`` is no longer notified for ``space_id`` (their setting in « Mon équipe »)."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(NotificationSetting)
            .where(NotificationSetting.user_id == user_id, NotificationSetting.space_id == space_id)
            .values(notify=False)
        )
