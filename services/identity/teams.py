"""Teams, their spaces and per-space notification settings, and who among users is told about
a team's or a school's business.

Each function works in the caller's transaction. What a caller may reach is decided here,
from the account as stored (never from the token's claims alone): a member of another team, a
pupil or a school user gets 404 for every team resource named by an id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.teams import InvitationOut, MemberOut, SpaceNotification, SpaceOut, TeamOut
from services.common.database import utcnow
from services.common.errors import DomainError, conflict, forbidden, not_found, validation_error
from services.common.identifiers import normalize_uai
from services.identity import team_rules
from services.identity.models import NotificationSetting, Space, Team, TeamInvitation, User

HOST_ROLE = "employer"
SCHOOL_STAFF_ROLES: tuple[str, ...] = ("school_manager", "teacher")

SPACE_NOT_FOUND = "Espace introuvable."


class SpaceOffers(NamedTuple):
    """What the offers service does for a space being deleted (each a remote call in the service)."""

    # offers.count_space_offers(team_id, space_id) -> how many offers the space holds
    count: Callable[[int, int], int]
    # offers.move_space_offers(team_id, from_space_id, to_space_id) -> how many were moved
    move: Callable[[int, int, int], int]


# -- membership -----------------------------------------------------------------------------


def found_team(session: Session, user: User, space_name: str, now: datetime) -> Team:
    """A new team owned by ``user`` (who joins it), with one default space notifying them."""
    team = Team(owner_id=user.id, created_at=now)
    session.add(team)
    session.flush()
    space = Space(team_id=team.id, name=space_name, is_default=True, created_at=now)
    session.add(space)
    user.team_id = team.id
    user.team_joined_at = now
    session.flush()
    session.add(NotificationSetting(space_id=space.id, user_id=user.id, notify=True, updated_at=now))
    return team


def membership(session: Session, actor: Actor) -> User | None:
    """The caller's account when it is a member of a team (an employer), else None."""
    user = session.get(User, actor.user_id)
    if user is None or user.role != HOST_ROLE or user.team_id is None:
        return None
    return user


def member_or_404(session: Session, actor: Actor) -> User:
    """The caller as a team member; 404 otherwise (routes that name a team resource by id)."""
    user = membership(session, actor)
    if user is None:
        raise not_found()
    return user


def member_or_403(session: Session, actor: Actor) -> User:
    """The caller as a team member; 403 otherwise (routes of one's own team, without an id)."""
    user = membership(session, actor)
    if user is None:
        raise forbidden("Réservé aux membres d'une équipe d'accueil (comptes employeurs).")
    return user


def team_of(member: User) -> int:
    """The team of a member (``membership`` answers only accounts that have one)."""
    assert member.team_id is not None
    return member.team_id


def members_of(session: Session, team_id: int) -> list[User]:
    """The team's members, ordered by id."""
    return list(
        session.scalars(select(User).where(User.team_id == team_id, User.role == HOST_ROLE).order_by(User.id)).all()
    )


def lock_team(session: Session, team_id: int) -> tuple[Team, list[Space]]:
    """The team and its spaces, locked in that order (spaces by id) on PostgreSQL until commit.

    Every change of a team's members or spaces takes this lock, and a notification setting
    locks its space, so none of them sees a state another one is changing. SQLite ignores
    FOR UPDATE: its writers are serialised anyway.
    """
    team = session.scalar(select(Team).where(Team.id == team_id).with_for_update())
    if team is None:
        raise not_found("Équipe introuvable.")
    spaces = session.scalars(select(Space).where(Space.team_id == team_id).order_by(Space.id).with_for_update()).all()
    return team, list(spaces)


def owner_of(team: Team, members: Sequence[User]) -> int | None:
    """The team's owner among ``members`` (the longest-standing member if the owner is gone)."""
    return team_rules.effective_owner(team.owner_id, [(member.id, member.team_joined_at) for member in members])


def leave_team(session: Session, user: User, team: Team, spaces: Sequence[Space], now: datetime) -> None:
    """``user`` leaves ``team``, whose other members stay with all its spaces and offers.

    The user's notification settings in the team are deleted; the owner's role passes to
    the longest-standing member when the owner leaves; a space left with nobody notified
    notifies the owner, so someone always receives its applications. The caller then gives
    the user their next team. ``team`` and ``spaces`` come locked (``lock_team``).
    """
    space_ids = [space.id for space in spaces]
    for setting in session.scalars(
        select(NotificationSetting).where(
            NotificationSetting.user_id == user.id, NotificationSetting.space_id.in_(space_ids)
        )
    ).all():
        session.delete(setting)
    others = [member for member in members_of(session, team.id) if member.id != user.id]
    if team.owner_id == user.id or team.owner_id not in {member.id for member in others}:
        team.owner_id = team_rules.successor([(member.id, member.team_joined_at) for member in others])
    session.flush()
    if team.owner_id is None:
        return
    for space_id in team_rules.spaces_without_recipient(space_ids, _notified_pairs(session, team.id, space_ids)):
        _set(session, space_id, team.owner_id, True, now)


def add_member_settings(session: Session, team_id: int, now: datetime, joiner_id: int | None = None) -> None:
    """Give every member a setting for every space of the team where they lack one (notified).

    ``joiner_id``, a member who just joined, is notified for every space, whatever a setting
    they brought along said.
    """
    spaces = session.scalars(select(Space.id).where(Space.team_id == team_id)).all()
    members = [member.id for member in members_of(session, team_id)]
    existing = {
        (setting.space_id, setting.user_id): setting
        for setting in session.scalars(
            select(NotificationSetting).where(NotificationSetting.space_id.in_(spaces))
        ).all()
    }
    for space_id in spaces:
        for user_id in members:
            setting = existing.get((space_id, user_id))
            if setting is None:
                session.add(NotificationSetting(space_id=space_id, user_id=user_id, notify=True, updated_at=now))
            elif user_id == joiner_id and not setting.notify:
                setting.notify = True
                setting.updated_at = now


# -- the team as its members see it ----------------------------------------------------------


def team_view(session: Session, team_id: int, now: datetime) -> dict[str, Any]:
    """``TeamOut`` of a team: members (owner first), spaces (default first), live invitations."""
    team = session.get(Team, team_id)
    if team is None:
        raise not_found("Équipe introuvable.")
    members = members_of(session, team_id)
    owner_id = owner_of(team, members)
    members.sort(key=lambda member: (member.id != owner_id, member.team_joined_at or now, member.id))
    invitations = session.scalars(
        select(TeamInvitation)
        .where(TeamInvitation.team_id == team_id, TeamInvitation.status == "pending", TeamInvitation.expires_at > now)
        .order_by(TeamInvitation.id)
    ).all()
    return TeamOut(
        members=[
            MemberOut(
                user_id=member.id,
                email=member.email,
                first_name=member.first_name,
                last_name=member.last_name,
                is_owner=member.id == owner_id,
                joined_at=member.team_joined_at.isoformat() if member.team_joined_at else None,
            )
            for member in members
        ],
        spaces=[SpaceOut(**space) for space in spaces_of(session, team_id)],
        invitations=[_invitation(invitation, now) for invitation in invitations],
    ).model_dump(mode="json")


def invitation_out(invitation: TeamInvitation, now: datetime) -> dict[str, Any]:
    """``InvitationOut`` of an invitation."""
    return _invitation(invitation, now).model_dump(mode="json")


def _invitation(invitation: TeamInvitation, now: datetime) -> InvitationOut:
    return InvitationOut.model_validate(
        {
            "id": invitation.id,
            "email": invitation.email,
            "status": team_rules.invitation_state(invitation.status, invitation.expires_at, now),
            "expires_at": invitation.expires_at.isoformat(),
            "invited_by": invitation.invited_by,
            "created_at": invitation.created_at.isoformat(),
            "sent_at": invitation.sent_at.isoformat(),
            "sendings": invitation.sendings,
        }
    )


def get_team(session: Session, actor: Actor) -> dict[str, Any]:
    """The caller's team; 403 for anyone but a team member."""
    return team_view(session, team_of(member_or_403(session, actor)), utcnow())


# -- spaces ---------------------------------------------------------------------------------


def spaces_of(session: Session, team_id: int) -> list[dict[str, Any]]:
    """The team's spaces, the default one first."""
    spaces = session.scalars(
        select(Space).where(Space.team_id == team_id).order_by(Space.is_default.desc(), Space.id)
    ).all()
    return [_space_out(space) for space in spaces]


def _space_out(space: Space) -> dict[str, Any]:
    return {"id": space.id, "name": space.name, "is_default": space.is_default}


def _team_space(session: Session, team_id: int, space_id: int, lock: bool = False) -> Space:
    query = select(Space).where(Space.id == space_id, Space.team_id == team_id)
    space = session.scalar(query.with_for_update() if lock else query)
    if space is None:
        raise not_found(SPACE_NOT_FOUND)
    return space


def _name_taken() -> DomainError:
    return conflict("SPACE_NAME_TAKEN", "Un espace de l'équipe porte déjà ce nom.")


def _check_name_free(spaces: Sequence[Space], name: str, except_id: int | None = None) -> None:
    if team_rules.name_key(name) in {team_rules.name_key(s.name) for s in spaces if s.id != except_id}:
        raise _name_taken()


def _flush_name(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:
        # A concurrent creation or renaming took the name first (unique index on lower(name)).
        raise _name_taken() from None


def create_space(session: Session, actor: Actor, name: str) -> dict[str, Any]:
    """A new space of the caller's team; every member is notified for it."""
    user = member_or_403(session, actor)
    now = utcnow()
    team, spaces = lock_team(session, team_of(user))
    _check_name_free(spaces, name)
    space = Space(team_id=team.id, name=name, is_default=False, created_at=now)
    session.add(space)
    _flush_name(session)
    add_member_settings(session, team.id, now)
    return _space_out(space)


def rename_space(session: Session, actor: Actor, space_id: int, name: str) -> dict[str, Any]:
    """Rename a space of the caller's team (a change of case only is allowed)."""
    user = member_or_404(session, actor)
    space = _team_space(session, team_of(user), space_id, lock=True)
    spaces = session.scalars(select(Space).where(Space.team_id == space.team_id)).all()
    _check_name_free(spaces, name, except_id=space.id)
    space.name = name
    _flush_name(session)
    return _space_out(space)


def _deletable(session: Session, actor: Actor, space_id: int, move_to: int | None, lock: bool = False) -> Space:
    user = member_or_404(session, actor)
    space = _team_space(session, team_of(user), space_id, lock=lock)
    if space.is_default:
        raise conflict("DEFAULT_SPACE", "L'espace par défaut de l'équipe ne peut pas être supprimé.")
    if move_to is not None:
        target = session.scalar(select(Space.id).where(Space.id == move_to, Space.team_id == space.team_id))
        if target is None or move_to == space_id:
            raise validation_error({"move_to": ["Choisissez un autre espace de l'équipe."]})
    return space


def delete_space(
    transaction: Callable[[], AbstractContextManager[Session]],
    actor: Actor,
    space_id: int,
    move_to: int | None,
    offers: SpaceOffers,
) -> None:
    """Delete a space of the caller's team once it holds no offer (``move_to``: move them first).

    Opens its own transactions (``transaction()``): the offers service is asked between
    them, so no database connection is held while it works (on SQLite, identity's only
    connection would be taken while offers may call identity back). An offer created in the
    space between the count (or move) and the deletion keeps the deleted space's id: the
    offers service's checks of spaces are its own.
    """
    with transaction() as session:
        team_id = _deletable(session, actor, space_id, move_to).team_id
    if move_to is not None:
        offers.move(team_id, space_id, move_to)
    else:
        count = offers.count(team_id, space_id)
        if count:
            raise conflict(
                "SPACE_NOT_EMPTY",
                f"Cet espace contient {count} offre(s) : déplacez-les d'abord vers un autre espace (move_to).",
            )
    with transaction() as session:
        # Checked again: the caller may have left the team or the space changed meanwhile.
        space = _deletable(session, actor, space_id, move_to, lock=True)
        if space.team_id != team_id:
            raise not_found(SPACE_NOT_FOUND)
        session.delete(space)


# -- notification settings ------------------------------------------------------------------


def _notified_pairs(session: Session, team_id: int, space_ids: Sequence[int]) -> list[tuple[int, int]]:
    """``(space_id, user_id)`` of the team's members notified for those spaces."""
    rows = session.execute(
        select(NotificationSetting.space_id, NotificationSetting.user_id)
        .join(User, User.id == NotificationSetting.user_id)
        .where(
            NotificationSetting.space_id.in_(space_ids),
            NotificationSetting.notify.is_(True),
            User.team_id == team_id,
            User.role == HOST_ROLE,
        )
    ).all()
    return [(space_id, user_id) for space_id, user_id in rows]


def _set(session: Session, space_id: int, user_id: int, notify: bool, now: datetime) -> None:
    setting = session.get(NotificationSetting, (space_id, user_id))
    if setting is None:
        session.add(NotificationSetting(space_id=space_id, user_id=user_id, notify=notify, updated_at=now))
    else:
        setting.notify = notify
        setting.updated_at = now


def space_notifications(session: Session, actor: Actor, space_id: int) -> list[dict[str, Any]]:
    """Every member of the team and whether they receive the space's notifications."""
    user = member_or_404(session, actor)
    space = _team_space(session, team_of(user), space_id)
    notified = {member for _, member in _notified_pairs(session, space.team_id, [space.id])}
    return [_setting_out(member, member.id in notified) for member in members_of(session, space.team_id)]


def set_space_notification(session: Session, actor: Actor, space_id: int, user_id: int, notify: bool) -> dict[str, Any]:
    """Any member sets whether a member of the team (themselves or another) receives the
    space's notifications; 409 ``LAST_RECIPIENT`` when nobody would be left notified.

    The space row is locked until commit (PostgreSQL), so two members unticking at once are
    checked one after the other and the second one is refused.
    """
    caller = member_or_404(session, actor)
    space = _team_space(session, team_of(caller), space_id, lock=True)
    member = session.get(User, user_id)
    if member is None or member.team_id != space.team_id or member.role != HOST_ROLE:
        raise not_found("Ce membre n'appartient pas à l'équipe.")
    notified = [user for _, user in _notified_pairs(session, space.team_id, [space.id])]
    if team_rules.leaves_no_recipient(notified, member.id, notify):
        raise conflict(
            "LAST_RECIPIENT",
            "Au moins un membre de l'équipe doit recevoir les notifications de cet espace.",
        )
    _set(session, space.id, member.id, notify, utcnow())
    return _setting_out(member, notify)


def _setting_out(member: User, notify: bool) -> dict[str, Any]:
    return SpaceNotification(
        user_id=member.id, notify=notify, first_name=member.first_name, last_name=member.last_name
    ).model_dump(mode="json")


# -- who is told ----------------------------------------------------------------------------


def host_recipients(session: Session, team_id: int, space_id: int | None = None) -> list[dict[str, Any]]:
    """Who hears of the team's applications and conventions: ``[{user_id, email, first_name, last_name}]``.

    For a space of the team: exactly the members notified for it, ordered by id. When
    ``space_id`` is None or not a space of the team: the team's owner (every member when the
    team has no owner among its members). A team without members: ``[]``. Should a space
    have nobody notified (the settings forbid it), the owner is answered, so an application
    is never told to nobody.
    """
    members = members_of(session, team_id)
    if not members:
        return []
    if space_id is not None:
        space = session.get(Space, space_id)
        if space is not None and space.team_id == team_id:
            notified = {user for _, user in _notified_pairs(session, team_id, [space.id])}
            chosen = [member for member in members if member.id in notified]
            if chosen:
                return [_recipient(member) for member in chosen]
    team = session.get(Team, team_id)
    owner = [member for member in members if team is not None and member.id == team.owner_id]
    return [_recipient(member) for member in owner or members]


def school_staff(session: Session, uai: str, roles: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The staff of a school: ``[{user_id, email, first_name, last_name, role}]``, ordered by id.

    ``roles`` defaults to every staff role (``school_manager`` and ``teacher``); pupils are
    never answered. Only accounts whose email address is confirmed: these messages name a
    minor, and an unconfirmed address may be someone else's (a typo at sign-up); such an
    account cannot log in to act on them anyway until it is confirmed. Nor teachers whom the
    head of school has not confirmed (``staff_rules``).
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
            # A teacher the head has not confirmed is told nothing about the pupils.
            or_(User.role != "teacher", User.staff_status == "confirmed"),
        )
        .order_by(User.id)
    ).all()
    return [{**_recipient(user), "role": user.role} for user in users]


def _recipient(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "email": user.email, "first_name": user.first_name, "last_name": user.last_name}
