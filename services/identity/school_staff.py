"""A school's staff and pupils: the head of school confirms or refuses its teachers, and the
confirmed staff lists the school's pupils.

Each function works in the caller's transaction. The caller's school and role are read from
the stored account, never from the token alone, and a teacher's confirmation from the row
itself: a decision counts at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts import events
from services.common.contracts.actors import Actor
from services.common.contracts.school_staff import PupilOut, StaffMemberOut
from services.common.errors import DomainError, forbidden, not_found
from services.common.outbox import emit
from services.common.staff_confirmation import NOT_CONFIRMED_MESSAGE, TEACHER_NOT_CONFIRMED
from services.identity import staff_rules
from services.identity.models import User

STAFF_ROLES = (staff_rules.HEAD_ROLE, staff_rules.TEACHER_ROLE)
HEADS_ONLY = "Seul le chef d'établissement gère l'équipe de son établissement."


def _caller(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id)
    if user is None:
        raise not_found("Utilisateur introuvable.")
    return user


def _as_stored(user: User) -> Actor:
    """The caller as their stored account says (not as their token, which may be older)."""
    return Actor(user_id=user.id, role=user.role, school_uai=user.school_uai)


def member_out(user: User) -> dict[str, Any]:
    """A staff account as the head's list shows it."""
    return StaffMemberOut(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        role=user.role,  # type: ignore[arg-type]
        status=user.staff_status or staff_rules.CONFIRMED,  # type: ignore[arg-type]
        email_confirmed=user.email_confirmed_at is not None,
        created_at=user.created_at.isoformat(),
    ).model_dump(mode="json")


def staff_of(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The head's school staff (heads and teachers), pending teachers first, then by name."""
    head = _caller(session, actor)
    if not staff_rules.is_head_of(_as_stored(head), head.school_uai):
        raise forbidden(HEADS_ONLY)
    users = session.scalars(select(User).where(User.school_uai == head.school_uai, User.role.in_(STAFF_ROLES))).all()
    order = {staff_rules.PENDING: 0, None: 1, staff_rules.CONFIRMED: 1, staff_rules.REFUSED: 2}
    ranked = sorted(users, key=lambda user: (order[user.staff_status], user.last_name.casefold(), user.id))
    return [member_out(user) for user in ranked]


def decide(session: Session, actor: Actor, user_id: int, decision: str, now: datetime) -> dict[str, Any]:
    """The head confirms or refuses a teacher of their school; a confirmation is emailed
    (``teacher_confirmed``). Anyone but that head: 403; a user of another school: 404."""
    head = _caller(session, actor)
    member = session.get(User, user_id, with_for_update=True)
    if member is None or member.role not in STAFF_ROLES or member.school_uai != head.school_uai:
        raise not_found("Ce membre de l'équipe n'existe pas dans votre établissement.")
    head_actor = _as_stored(head)
    if not staff_rules.is_head_of(head_actor, head.school_uai):
        raise forbidden(HEADS_ONLY)
    if not staff_rules.may_decide(head_actor, member.role, member.school_uai):
        raise DomainError("NOT_A_TEACHER", "Seuls les comptes de professeurs se confirment ou se refusent.")
    status = staff_rules.DECISIONS[decision]
    if member.staff_status != status:
        member.staff_status = status
        member.staff_decided_at = now
        member.staff_decided_by = head.id
        if status == staff_rules.CONFIRMED:
            emit(
                session,
                events.TEACHER_CONFIRMED,
                events.TeacherConfirmed(
                    user_id=member.id,
                    email=member.email,
                    first_name=member.first_name,
                    school_uai=member.school_uai or "",
                    confirmed_by_name=f"{head.first_name} {head.last_name}".strip(),
                ),
            )
    return member_out(member)


def school_confirmed(session: Session, user_id: int) -> bool | None:
    """Whether a teacher is confirmed by their head of school; None for other roles (the
    gateway asks it on every request of a teacher, so a decision counts at once)."""
    row = session.execute(select(User.role, User.staff_status).where(User.id == user_id)).one_or_none()
    if row is None or row.role != staff_rules.TEACHER_ROLE:
        return None
    return bool(row.staff_status == staff_rules.CONFIRMED)


def pupils_of(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The pupils of the caller's school, by class then name: its head sees every class, a
    confirmed teacher the classes they gave at sign-up (every class when they gave none)."""
    caller = _caller(session, actor)
    if caller.role not in STAFF_ROLES or caller.school_uai is None:
        raise forbidden("Seule l'équipe de l'établissement voit ses élèves.")
    if not staff_rules.sees_pupils(caller.role, caller.staff_status):
        raise DomainError(TEACHER_NOT_CONFIRMED, NOT_CONFIRMED_MESSAGE)
    pupils = session.scalars(
        select(User).where(
            User.school_uai == caller.school_uai,
            User.role == "student",
        )
    ).all()
    classes = staff_rules.teacher_classes(caller.class_name if caller.role == staff_rules.TEACHER_ROLE else None)
    ranked = sorted(
        (pupil for pupil in pupils if staff_rules.in_classes(pupil.class_name, classes)),
        key=lambda user: ((user.class_name or "").casefold(), user.last_name.casefold(), user.first_name.casefold()),
    )
    return [
        PupilOut(
            user_id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            grade=user.grade,
            class_name=user.class_name,
        ).model_dump(mode="json")
        for user in ranked
    ]
