"""The life of a convention, as plain rules: who may edit which part when, what each side must
fill in, and which status each step leads to. ``convention_parts`` and ``signing`` apply them.

    draft ──host completes──▶ completed_by_employer ─┐
      └────school validates (either order) ──────────┴─▶ ready_to_sign ──first signature──▶
    signatures_started ──the fourth──▶ signed_by_all;  cancelled with its application.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from services.common.contracts.conventions import SIGNATORY_ROLES
from services.common.errors import DomainError, conflict

EDITABLE = ("draft", "completed_by_employer")
SIGNABLE = ("ready_to_sign", "signatures_started")
FINAL = "signed_by_all"

# What each side must have filled in before declaring its part done.
HOST_REQUIRED = ("tutor_name", "tutor_role", "tutor_email", "activities", "daily_hours", "lunch_break")
SCHOOL_REQUIRED = (
    "school_manager_name",
    "referent_teacher_name",
    "student_class",
    "student_birth_date",
    "legal_representative_name",
    "legal_representative_email",
    "legal_representative_phone",
)


def editing_problem(status: str, own_part_done_at: datetime | None) -> DomainError | None:
    """Why a side may not edit its part now (409), or None."""
    if status not in EDITABLE:
        return conflict("CONVENTION_FROZEN", "La convention est prête à signer ou annulée : elle ne se modifie plus.")
    if own_part_done_at is not None:
        return conflict("PART_ALREADY_DONE", "Votre partie est déjà déclarée complète : elle ne se modifie plus.")
    return None


def missing(part: Mapping[str, Any], required: Iterable[str]) -> dict[str, list[str]]:
    """The required fields of a part still empty, each with its French message."""
    return {field: ["À renseigner avant de valider votre partie."] for field in required if not part.get(field)}


def status_after_parts(completed_by_employer: bool, validated_by_school: bool) -> str:
    """The status once the sides have declared (or not) their parts done."""
    if completed_by_employer and validated_by_school:
        return "ready_to_sign"
    return "completed_by_employer" if completed_by_employer else "draft"


def status_after_signatures(signed_roles: Iterable[str]) -> str:
    """``signed_by_all`` once the four signatories have signed, else ``signatures_started``."""
    return FINAL if set(signed_roles) >= set(SIGNATORY_ROLES) else "signatures_started"


def awaiting(status: str, signed_roles: Iterable[str]) -> list[str]:
    """The signatories still expected, in the order of the convention; none outside signing."""
    signed = set(signed_roles)
    return [role for role in SIGNATORY_ROLES if role not in signed] if status in SIGNABLE else []


def may_be_cancelled(status: str) -> bool:
    """A convention is cancelled with its application, unless everyone has signed it."""
    return status != FINAL
