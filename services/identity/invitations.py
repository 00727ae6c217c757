"""Joining and leaving a team: invitations (send, withdraw, accept, refuse) and the removal of
members.

Each function works in the caller's transaction and emits its events to the outbox. A session
token names its holder's team, so every change of team ends the sessions of the user concerned
(``session_revoked``); accepting answers a fresh token naming the new team.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.contracts import events
from services.common.contracts.actors import Actor
from services.common.contracts.teams import InvitationPreview
from services.common.digests import token_digest
from services.common.errors import DomainError, conflict, forbidden, not_found
from services.common.outbox import emit
from services.identity import accounts, rules, team_rules, teams
from services.identity.models import Space, Team, TeamInvitation, User

UNKNOWN_INVITATION = "Cette invitation n'existe pas, a été retirée ou a déjà reçu une réponse."


def _already_member() -> DomainError:
    return conflict("ALREADY_MEMBER", "Cette personne fait déjà partie de l'équipe.")


def invite(session: Session, actor: Actor, email: str, now: datetime) -> dict[str, Any]:
    """Invite ``email`` to the caller's team (any member may); the email goes out through
    ``team_invitation_sent``, with the only copy of the token.

    A pending invitation of the team to the same address is withdrawn, so the link of the
    newest email is the one that works. 409 ``ALREADY_MEMBER`` for a member of the team.
    """
    inviter = teams.member_or_403(session, actor)
    team_id = teams.team_of(inviter)
    email = rules.normalize_email(email)
    member = session.scalar(select(User.id).where(User.email == email, User.team_id == team_id))
    if member is not None:
        raise _already_member()
    session.execute(
        update(TeamInvitation)
        .where(TeamInvitation.team_id == team_id, TeamInvitation.email == email, TeamInvitation.status == "pending")
        .values(status="withdrawn", answered_at=now)
    )
    token, digest = rules.new_token()
    invitation = TeamInvitation(
        team_id=team_id,
        email=email,
        token_hash=digest,
        status="pending",
        invited_by=inviter.id,
        created_at=now,
        sent_at=now,
        sendings=1,
        expires_at=now + team_rules.INVITATION_TTL,
    )
    session.add(invitation)
    try:
        session.flush()
    except IntegrityError:
        # Another member invited the same address at the same moment: theirs stands.
        raise conflict("INVITATION_PENDING", "Une invitation vient d'être envoyée à cette adresse.") from None
    _send(session, invitation, inviter, token)
    return teams.invitation_out(invitation, now)


def resend(session: Session, actor: Actor, invitation_id: int, now: datetime) -> dict[str, Any]:
    """Send a pending invitation of the caller's team again (any member may): a new token,
    valid 7 days from now, goes out by email; the previous link stops working (only the
    hash of the newest token is kept). 404 for an invitation of another team or no longer
    pending (answered, withdrawn), as withdrawing; an expired one may be resent.
    """
    member = teams.member_or_404(session, actor)
    invitation = _pending_of_team(session, member, invitation_id)
    token, invitation.token_hash = rules.new_token()
    invitation.sent_at = now
    invitation.sendings += 1
    invitation.expires_at = now + team_rules.INVITATION_TTL
    # The email names whoever resends it: they are the one the invitee may ask about it.
    _send(session, invitation, member, token)
    return teams.invitation_out(invitation, now)


def _send(session: Session, invitation: TeamInvitation, inviter: User, token: str) -> None:
    """Emit ``team_invitation_sent``: notifications mails ``token``, its only copy."""
    session.flush()
    joining, spaces = joining_effect(session, invitation.email, invitation.team_id)
    emit(
        session,
        events.TEAM_INVITATION_SENT,
        events.TeamInvitationSent(
            invitation_id=invitation.id,
            email=invitation.email,
            team_id=invitation.team_id,
            inviter_name=f"{inviter.first_name} {inviter.last_name}".strip(),
            expires_at=invitation.expires_at.isoformat(),
            invitation_token=token,
            joining=joining,
            moving_spaces=spaces,
        ),
    )


def joining_effect(session: Session, email: str, team_id: int) -> tuple[team_rules.Joining, list[str]]:
    """What accepting would do to the account of ``email`` (as ``accept`` does it, now):
    ``("alone", space names)`` when it is alone in another team (its spaces and their
    offers come along), ``("with_others", [])`` when that team has other members (nothing
    moves), ``("new", [])`` when no host account of another team has this address."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None or user.role != teams.HOST_ROLE or user.team_id is None or user.team_id == team_id:
        return "new", []
    others = session.scalar(
        select(User.id).where(User.team_id == user.team_id, User.role == teams.HOST_ROLE, User.id != user.id).limit(1)
    )
    if others is not None:
        return "with_others", []
    return "alone", [space["name"] for space in teams.spaces_of(session, user.team_id)]


def withdraw(session: Session, actor: Actor, invitation_id: int, now: datetime) -> None:
    """Withdraw a pending invitation of the caller's team (any member may): its link stops working."""
    member = teams.member_or_404(session, actor)
    invitation = _pending_of_team(session, member, invitation_id)
    invitation.status = "withdrawn"
    invitation.answered_at = now


def _pending_of_team(session: Session, member: User, invitation_id: int) -> TeamInvitation:
    """A pending invitation of ``member``'s team, locked; 404 for another team's or an answered one."""
    invitation = session.scalar(
        select(TeamInvitation)
        .where(
            TeamInvitation.id == invitation_id,
            TeamInvitation.team_id == teams.team_of(member),
            TeamInvitation.status == "pending",
        )
        .with_for_update()
    )
    if invitation is None:
        raise not_found(UNKNOWN_INVITATION)
    return invitation


def _invitee(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id)
    if user is None or user.role != teams.HOST_ROLE:
        raise forbidden("Seuls les comptes employeurs peuvent rejoindre une équipe.")
    return user


def _answerable(session: Session, user: User, token: str, now: datetime) -> TeamInvitation:
    """The pending invitation of ``token``, addressed to ``user``: else 404, 403 or 410."""
    invitation = session.scalar(
        select(TeamInvitation).where(TeamInvitation.token_hash == token_digest(token)).with_for_update()
    )
    if invitation is None or invitation.status != "pending":
        raise not_found(UNKNOWN_INVITATION)
    # Checked before the expiry: someone else holding the link learns nothing of it.
    if invitation.email != user.email:
        raise forbidden(
            "Cette invitation a été envoyée à une autre adresse e-mail : "
            "connectez-vous avec le compte de cette adresse.",
            "INVITATION_NOT_FOR_YOU",
        )
    if team_rules.invitation_state(invitation.status, invitation.expires_at, now) == "expired":
        raise DomainError(
            "INVITATION_EXPIRED", "Cette invitation a expiré : demandez à l'équipe de vous inviter de nouveau."
        )
    return invitation


def preview(session: Session, actor: Actor, token: str, now: datetime) -> dict[str, Any]:
    """What the invitee may read of the invitation before answering (the same refusals as answering)."""
    invitation = _answerable(session, _invitee(session, actor), token, now)
    inviter = session.get(User, invitation.invited_by) if invitation.invited_by else None
    return InvitationPreview(
        email=invitation.email,
        expires_at=invitation.expires_at.isoformat(),
        inviter_name=f"{inviter.first_name} {inviter.last_name}" if inviter else None,
    ).model_dump(mode="json")


def refuse(session: Session, actor: Actor, token: str, now: datetime) -> dict[str, Any]:
    """The invitee refuses: the invitation is answered ``refused`` and its link stops working."""
    invitation = _answerable(session, _invitee(session, actor), token, now)
    invitation.status = "refused"
    invitation.answered_at = now
    return teams.invitation_out(invitation, now)


def accept(
    session: Session, actor: Actor, token: str, secret_key: str, ip: str | None, now: datetime
) -> dict[str, Any]:
    """The invitee leaves their team and joins the inviting one: ``{token, user, team}``.

    - When the invitee was alone in their previous team, its spaces (and so their offers,
      which the offers service moves on ``team_member_joined``) come along: a name already
      used in the new team gets a suffix ("Lyon" → "Lyon (2)"), the old default space is
      default no more, and the emptied team is deleted.
    - When the previous team had other members, nothing of it moves: its spaces and offers
      stay shared with those members; the invitee's settings there are deleted, and if the
      invitee was its owner, the longest-standing remaining member becomes owner.

    The new member is notified for every space of the team, and the members already there
    for the spaces that came along. Every open session of the invitee ends (their tokens name
    the previous team); the answer carries a new token naming the new team.
    """
    user = _invitee(session, actor)
    invitation = _answerable(session, user, token, now)
    # The account row is locked (and read again) first, then the teams: a concurrent removal
    # or second acceptance of this user waits here instead of working on a stale team.
    session.refresh(user, with_for_update=True)
    if user.team_id == invitation.team_id:
        raise _already_member()
    previous_team_id = user.team_id
    # Both teams locked in id order, so two joins between the same teams cannot deadlock.
    locked = {
        team_id: teams.lock_team(session, team_id)
        for team_id in sorted({invitation.team_id} | ({previous_team_id} if previous_team_id else set()))
    }
    new_team, new_spaces = locked[invitation.team_id]
    moved_space_ids: list[int] = []
    emptied_team: Team | None = None
    if previous_team_id is not None:
        old_team, old_spaces = locked[previous_team_id]
        others = [member for member in teams.members_of(session, old_team.id) if member.id != user.id]
        if others:
            teams.leave_team(session, user, old_team, old_spaces, now)
        else:
            moved_space_ids = _move_spaces(old_spaces, new_team, new_spaces)
            emptied_team = old_team
    user.team_id = new_team.id
    user.team_joined_at = now
    session.flush()
    if emptied_team is not None:
        # Its pending invitations go with it (ON DELETE CASCADE): their links stop working.
        session.delete(emptied_team)
    teams.add_member_settings(session, new_team.id, now, joiner_id=user.id)
    invitation.status = "accepted"
    invitation.answered_at = now
    accounts.end_sessions(session, user.id, now)
    emit(
        session,
        events.TEAM_MEMBER_JOINED,
        events.TeamMemberJoined(
            user_id=user.id, team_id=new_team.id, previous_team_id=previous_team_id, moved_space_ids=moved_space_ids
        ),
    )
    session.flush()
    opened = accounts.open_session(session, user, secret_key, ip, now)
    return {**opened, "team": teams.team_view(session, new_team.id, now)}


def _move_spaces(spaces: list[Space], team: Team, team_spaces: list[Space]) -> list[int]:
    """Move ``spaces`` into ``team``, renamed on a clash, none of them default; their ids."""
    taken = {team_rules.name_key(space.name) for space in team_spaces}
    # The default space first: it keeps its name when only another space clashes.
    for space in sorted(spaces, key=lambda space: (not space.is_default, space.id)):
        space.name = team_rules.free_space_name(space.name, taken)
        taken.add(team_rules.name_key(space.name))
        space.team_id = team.id
        space.is_default = False
    return sorted(space.id for space in spaces)


def remove_member(session: Session, actor: Actor, user_id: int, now: datetime) -> list[str]:
    """The owner removes a member, or a member leaves; returns the ended session ids.

    The removed member gets a team of their own with one empty default space (their offers
    stay with the team they leave), and loses access at once: their sessions end. 409
    ``OWNER_CANNOT_BE_REMOVED`` for the owner, 403 when another member tries, 404 for
    anyone outside the caller's team.
    """
    caller = teams.member_or_404(session, actor)
    team_id = teams.team_of(caller)
    # The account first, then the team: the order every change of membership locks in.
    target = session.scalar(select(User).where(User.id == user_id).with_for_update())
    if target is None or target.team_id != team_id or target.role != teams.HOST_ROLE:
        raise not_found("Ce membre n'appartient pas à l'équipe.")
    team, spaces = teams.lock_team(session, team_id)
    owner_id = teams.owner_of(team, teams.members_of(session, team_id))
    refusal = team_rules.removal_refusal(caller.id, target.id, owner_id)
    if refusal is team_rules.Refusal.OWNER:
        raise conflict("OWNER_CANNOT_BE_REMOVED", "Le propriétaire de l'équipe ne peut pas en être retiré.")
    if refusal is team_rules.Refusal.NOT_ALLOWED:
        raise forbidden("Seul le propriétaire de l'équipe peut en retirer un autre membre.")
    teams.leave_team(session, target, team, spaces, now)
    new_team = teams.found_team(session, target, rules.DEFAULT_SPACE_NAME, now)
    ended = accounts.end_sessions(session, target.id, now)
    emit(
        session,
        events.TEAM_MEMBER_REMOVED,
        events.TeamMemberRemoved(user_id=target.id, team_id=team.id, new_team_id=new_team.id),
    )
    return ended
