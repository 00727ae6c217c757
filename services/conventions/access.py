"""Who sees which applications and conventions: the host's team, the pupil, the school's staff.

Anyone else sees nothing, and an id they are not entitled to is answered 404, never 403, so
that ids of other teams' records reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false

from services.common.contracts.actors import Actor
from services.common.errors import DomainError, unauthenticated
from services.common.staff_confirmation import require_confirmed

SCHOOL_STAFF_ROLES = ("school_manager", "teacher")


@dataclass(frozen=True)
class Scope:
    """``team`` (the host's team), ``student`` (their own), ``school`` (its pupils), ``none``."""

    kind: str
    key: Any = None

    def sees(self, team_id: int, student_id: int, school_uai: str | None) -> bool:
        """Whether a record with these parties is in the scope."""
        if self.kind == "team":
            return team_id == self.key
        if self.kind == "student":
            return student_id == self.key
        if self.kind == "school":
            return school_uai is not None and school_uai == self.key
        return False

    def filter(self, team_id: Any, student_id: Any, school_uai: Any) -> ColumnElement[bool]:
        """The same rule as a WHERE clause on a table's columns."""
        if self.kind == "team":
            return team_id == self.key
        if self.kind == "student":
            return student_id == self.key
        if self.kind == "school":
            return school_uai == self.key
        return false()


def scope_of(actor: Actor) -> Scope:
    """The records ``actor`` may see; 403 ``TEACHER_NOT_CONFIRMED`` for a teacher whose head of
    school has not confirmed them yet (every list, detail, action and PDF goes through here)."""
    if actor.role == "employer" and actor.team_id is not None:
        return Scope("team", actor.team_id)
    if actor.role == "student":
        return Scope("student", actor.user_id)
    if actor.role in SCHOOL_STAFF_ROLES and actor.school_uai:
        require_confirmed(actor)
        return Scope("school", actor.school_uai)
    return Scope("none")


def login_or_link_required() -> DomainError:
    """401 for a signature or PDF call with neither a session nor the legal representative's link."""
    return unauthenticated("Connectez-vous, ou utilisez le lien reçu par email.")
