"""A teacher sees no pupil until the head of their school has confirmed them.

Anyone may sign up as a teacher of any school; the head of that school, who knows their
staff, confirms them (identity keeps the decision). The services that hold pupils' data
(conventions, matching) refuse a teacher's calls that would show pupils until then, from the
``school_confirmed`` flag of the actor the gateway passes, looked up on every request.
"""

from __future__ import annotations

from services.common.contracts.actors import Actor
from services.common.errors import DomainError

TEACHER_ROLE = "teacher"
TEACHER_NOT_CONFIRMED = "TEACHER_NOT_CONFIRMED"
NOT_CONFIRMED_MESSAGE = (
    "Votre chef d'établissement n'a pas encore confirmé votre compte de professeur : "
    "vous verrez les élèves de votre établissement dès qu'il l'aura fait."
)


def awaits_confirmation(role: str, school_confirmed: bool | None) -> bool:
    """Whether an account of ``role`` waits for its head of school (only teachers do; an
    unknown flag counts as not confirmed, so a missing lookup shows no pupil)."""
    return role == TEACHER_ROLE and school_confirmed is not True


def require_confirmed(actor: Actor) -> None:
    """403 ``TEACHER_NOT_CONFIRMED`` for a teacher whose head of school has not confirmed them."""
    if awaits_confirmation(actor.role, actor.school_confirmed):
        raise DomainError(TEACHER_NOT_CONFIRMED, NOT_CONFIRMED_MESSAGE)
