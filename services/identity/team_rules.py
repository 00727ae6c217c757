"""Team rules, free of storage and messaging: invitation lifetime and state, space names, who
may remove whom, who is owner, and who must keep receiving a space's notifications."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Literal

from services.common.contracts.teams import SPACE_NAME_MAX_LENGTH

INVITATION_TTL = timedelta(days=7)
# What accepting an invitation does to the invitee's offers: none yet ("new"), their spaces
# and offers come along ("alone" in their team), or they stay with the team left behind.
Joining = Literal["new", "alone", "with_others"]
# The only space of the team a removed member gets (their offers stayed with the team).


class Refusal(Enum):
    """Why a member may not be removed."""

    OWNER = "owner"
    NOT_ALLOWED = "not_allowed"


def invitation_state(status: str, expires_at: datetime, now: datetime) -> str:
    """The status shown for an invitation: a pending one past its expiry is ``expired``."""
    if status == "pending" and expires_at <= now:
        return "expired"
    return status


def name_key(name: str) -> str:
    """What makes two space names the same: case and surrounding spaces do not count."""
    return name.strip().casefold()


def free_space_name(name: str, taken: Collection[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... the first whose ``name_key`` is not in ``taken``.

    The suffixed name still fits the column: the base is shortened when it must be.
    """
    if name_key(name) not in taken:
        return name
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = name[: SPACE_NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
        if name_key(candidate) not in taken:
            return candidate
        number += 1


def removal_refusal(caller_id: int, target_id: int, owner_id: int | None) -> Refusal | None:
    """None when ``caller_id`` may remove ``target_id`` from their team.

    The owner removes any other member; any member may leave (remove themselves); nobody
    removes the owner, not even the owner: a team always keeps its owner.
    """
    if target_id == owner_id:
        return Refusal.OWNER
    if caller_id != target_id and caller_id != owner_id:
        return Refusal.NOT_ALLOWED
    return None


def effective_owner(owner_id: int | None, members: Sequence[tuple[int, datetime | None]]) -> int | None:
    """The owner among ``members`` (``(user_id, joined_at)``): the recorded one while a member,
    else the longest-standing member (ties: lowest id); None for an empty team."""
    if any(user_id == owner_id for user_id, _ in members):
        return owner_id
    return successor(members)


def successor(members: Sequence[tuple[int, datetime | None]]) -> int | None:
    """Who becomes owner when the owner leaves: the longest-standing member (ties: lowest id)."""
    if not members:
        return None
    return min(members, key=lambda member: (member[1] is None, member[1] or datetime.min, member[0]))[0]


def leaves_no_recipient(notified: Collection[int], user_id: int, notify: bool) -> bool:
    """Whether setting ``user_id``'s ``notify`` leaves the space with nobody notified.

    ``notified`` are the members notified for the space now.
    """
    return not notify and not (set(notified) - {user_id})


def spaces_without_recipient(space_ids: Iterable[int], notified: Iterable[tuple[int, int]]) -> list[int]:
    """The spaces (ascending) in which nobody is notified; ``notified`` are ``(space_id, user_id)`` pairs."""
    covered = {space_id for space_id, _ in notified}
    return sorted(set(space_ids) - covered)
