"""Teams and their spaces, and who among users is told about a team's or a school's business
(invitations and settings come with their issue)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import validation_error
from services.common.identifiers import normalize_uai
from services.identity.models import Space, User

HOST_ROLE = "employer"
SCHOOL_STAFF_ROLES: tuple[str, ...] = ("school_manager", "teacher")


def spaces_of(session: Session, team_id: int) -> list[dict[str, Any]]:
    """The team's spaces, the default one first."""
    spaces = session.scalars(
        select(Space).where(Space.team_id == team_id).order_by(Space.is_default.desc(), Space.id)
    ).all()
    return [{"id": space.id, "name": space.name, "is_default": space.is_default} for space in spaces]


def host_recipients(session: Session, team_id: int, space_id: int | None = None) -> list[dict[str, Any]]:
    """Who hears of the team's applications and conventions: ``[{user_id, email, first_name, last_name}]``.

    For now every employer account of the team, ordered by id. ``space_id`` (the space of the
    offer concerned) is accepted and not used yet: a later issue restricts the answer to the
    members who want the notifications of that space (per-space notification settings), and
    the callers already pass it so they will not change then.
    """
    users = session.scalars(select(User).where(User.team_id == team_id, User.role == HOST_ROLE).order_by(User.id)).all()
    return [_recipient(user) for user in users]


def school_staff(session: Session, uai: str, roles: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The staff of a school: ``[{user_id, email, first_name, last_name, role}]``, ordered by id.

    ``roles`` defaults to every staff role (``school_manager`` and ``teacher``); pupils are
    never answered. Only accounts whose email address is confirmed: these messages name a
    minor, and an unconfirmed address may be someone else's (a typo at sign-up); such an
    account cannot log in to act on them anyway until it is confirmed.
    """
    wanted = tuple(roles) if roles is not None else SCHOOL_STAFF_ROLES
    unknown = sorted(set(wanted) - set(SCHOOL_STAFF_ROLES))
    if unknown or not wanted:
        raise validation_error({"roles": [f"Rôles possibles : {', '.join(SCHOOL_STAFF_ROLES)}."]})
    users = session.scalars(
        select(User)
        .where(
            User.school_uai == normalize_uai(uai),
            User.role.in_(wanted),
            User.email_confirmed_at.is_not(None),
        )
        .order_by(User.id)
    ).all()
    return [{**_recipient(user), "role": user.role} for user in users]


def _recipient(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "email": user.email, "first_name": user.first_name, "last_name": user.last_name}
