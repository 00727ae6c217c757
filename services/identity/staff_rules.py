"""School staff rules, free of storage and messaging: a teacher waits for the head of their
school, who confirms or refuses them.

Heads of school are trusted once their email address is confirmed (nobody above them on the
platform knows them); teachers are known to their head, who confirms them before they see
any pupil (``services.common.staff_confirmation``).
"""

from __future__ import annotations

from services.common.contracts.actors import Actor

HEAD_ROLE = "school_manager"
TEACHER_ROLE = "teacher"
PENDING, CONFIRMED, REFUSED = "pending", "confirmed", "refused"
# What a head's decision sets. A head may change their mind either way: refusing a confirmed
# teacher withdraws their access to the pupils.
DECISIONS = {"confirm": CONFIRMED, "refuse": REFUSED}


def initial_status(role: str) -> str | None:
    """A new account's staff status: teachers wait for their head; other roles have none."""
    return PENDING if role == TEACHER_ROLE else None


def is_head_of(actor: Actor, school_uai: str | None) -> bool:
    """Whether ``actor`` is the head of school ``school_uai``."""
    return actor.role == HEAD_ROLE and actor.school_uai is not None and actor.school_uai == school_uai


def may_decide(actor: Actor, member_role: str, member_school_uai: str | None) -> bool:
    """Only the head of a teacher's school confirms or refuses that teacher."""
    return member_role == TEACHER_ROLE and is_head_of(actor, member_school_uai)


def sees_pupils(role: str, status: str | None) -> bool:
    """Whether an account's staff status lets it see its school's pupils (heads always do)."""
    return role != TEACHER_ROLE or status == CONFIRMED


def _class_key(name: str) -> str:
    """« 3e  b » and « 3E B » are the same class: compared without case or extra spaces."""
    return " ".join(name.split()).casefold()


def teacher_classes(class_name: str | None) -> frozenset[str]:
    """The classes a teacher gave at sign-up (« 3e A, 3e B »), as keys; empty when they gave
    none, which lets them see every class of their school."""
    return frozenset(_class_key(part) for part in (class_name or "").replace(";", ",").split(",") if part.strip())


def in_classes(pupil_class: str | None, classes: frozenset[str]) -> bool:
    """Whether a pupil of ``pupil_class`` is in one of a teacher's ``classes`` (all when none)."""
    return not classes or (pupil_class is not None and _class_key(pupil_class) in classes)
