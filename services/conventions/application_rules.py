"""The life of an application: who may move it from which status to which, and which weeks fit.

Plain rules, no database: the use cases in ``applications`` apply them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.common.errors import DomainError, conflict, forbidden, validation_error
from services.common.school_calendar import SchoolYear, Week

# Waiting for the host (submitted, read) or for the pupil (validated): nobody answered yet.
PENDING = ("submitted", "read", "validated")

HOST_ROLE = "employer"
STUDENT_ROLE = "student"
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Move:
    """An action: the statuses it leaves, the status it reaches, who may take it."""

    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


MOVES: dict[str, Move] = {
    "read": Move(("submitted",), "read", (HOST_ROLE,)),
    "validate": Move(("submitted", "read"), "validated", (HOST_ROLE,)),
    "reject": Move(("submitted", "read", "validated"), "rejected", (HOST_ROLE,)),
    "approve": Move(("validated",), "approved", (STUDENT_ROLE,)),
    # An approved application can still be cancelled while its convention is not signed by all.
    "cancel": Move(("submitted", "read", "validated", "approved"), "cancelled", (HOST_ROLE, STUDENT_ROLE)),
    "expire": Move(PENDING, "expired", (SYSTEM_ROLE,)),
}

STATUS_LABELS = {
    "submitted": "envoyée",
    "read": "lue",
    "validated": "retenue par l'organisme",
    "approved": "confirmée par l'élève",
    "rejected": "refusée",
    "cancelled": "annulée",
    "expired": "expirée",
}


def next_status(action: str, current: str, role: str) -> str:
    """The status ``action`` by ``role`` leads to from ``current``; a DomainError otherwise."""
    move = MOVES.get(action)
    if move is None:
        raise DomainError("NOT_FOUND", f"Action inconnue : {action}.")
    if role not in move.roles:
        raise forbidden("Cette action ne vous revient pas pour cette candidature.")
    if current not in move.sources:
        raise conflict(
            "INVALID_TRANSITION",
            f"Impossible : la candidature est {STATUS_LABELS.get(current, current)}.",
        )
    return move.target


def reason_problems(action: str, reason: str | None) -> None:
    """A refusal must say why (the pupil reads it)."""
    if action == "reject" and not (reason and reason.strip()):
        raise validation_error({"reason": ["Indiquez le motif du refus : l'élève le recevra."]})


def expires_at(last_change: datetime, days: int) -> datetime:
    """When a pending application expires if nobody answers it."""
    return last_change + timedelta(days=days)


def week_problems(
    requested: list[str],
    grade: str | None,
    offer_grades: Iterable[str],
    college_weeks: str | list[str] | None,
    seconde_weeks: list[str],
    today: date,
) -> dict[str, list[str]]:
    """French messages on the weeks a pupil asks for; empty when they fit the offer.

    2de: exactly the offer's period. Collège: one week, one of the offer's, or any week of
    the school year for an all-year offer. Never a week that has already begun.
    """
    grades = set(offer_grades)
    if grade is None or grade not in grades:
        return {"grade": ["Cette offre ne s'adresse pas à votre classe."]}
    weeks = sorted(set(requested))
    for text in weeks:
        if Week.parse(text).monday <= today:
            return {"weeks": [f"La semaine {text} a déjà commencé."]}
    if grade == "seconde":
        if weeks != sorted(seconde_weeks):
            period = ", ".join(seconde_weeks)
            return {"weeks": [f"Une offre de seconde se demande pour toute sa période : {period}."]}
        return {}
    if len(weeks) != 1:
        return {"weeks": ["Choisissez une seule semaine de stage."]}
    week = Week.parse(weeks[0])
    if college_weeks == "all_year":
        if not SchoolYear.current(today).is_college_week(week):
            return {"weeks": [f"La semaine {week} n'est pas une semaine de l'année scolaire en cours."]}
        return {}
    if not college_weeks or str(week) not in college_weeks:
        return {"weeks": [f"L'offre n'est pas proposée la semaine {week}."]}
    return {}


def overlaps(weeks_a: Iterable[str], weeks_b: Iterable[str]) -> bool:
    """Whether two sets of weeks share one."""
    return bool(set(weeks_a) & set(weeks_b))
