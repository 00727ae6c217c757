"""Where a pupil stands in their internship, for their school's follow-up: from « aucune
candidature » to « convention signée ». A plain rule over the statuses of the pupil's
applications and conventions: the furthest step reached wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.conventions.application_rules import PENDING
from services.conventions.convention_rules import EDITABLE, FINAL, SIGNABLE

# From the first step to the last; a pupil is at the furthest one any record reaches.
STAGES = (
    "no_application",
    "application_sent",
    "internship_accepted",
    "convention_to_fill",
    "convention_to_sign",
    "convention_signed",
)


@dataclass(frozen=True)
class PupilRecords:
    """A pupil's applications' statuses, and their conventions as ``(id, status)``."""

    applications: tuple[str, ...] = ()
    conventions: tuple[tuple[int, str], ...] = ()


def application_stage(status: str) -> str:
    """The step an application of ``status`` stands for (refused, cancelled, expired: none;
    approved counts as accepted: its convention, when not cancelled, says more)."""
    if status in ("validated", "approved"):
        return "internship_accepted"
    if status in PENDING:
        return "application_sent"
    return "no_application"


def convention_stage(status: str) -> str:
    """The step a convention of ``status`` stands for (a cancelled one: none)."""
    if status == FINAL:
        return "convention_signed"
    if status in SIGNABLE:
        return "convention_to_sign"
    if status in EDITABLE:
        return "convention_to_fill"
    return "no_application"


def pupil_stage(records: PupilRecords) -> tuple[str, int | None]:
    """The pupil's furthest step, and the convention that reached it (None without one).

    A live convention is always further than any application; of two, the furthest, then the
    newest, is shown.
    """
    live = [
        (convention_stage(status), identifier)
        for identifier, status in records.conventions
        if convention_stage(status) != STAGES[0]
    ]
    if live:
        stage, identifier = max(live, key=lambda item: (STAGES.index(item[0]), item[1]))
        return stage, identifier
    return max(map(application_stage, records.applications), key=STAGES.index, default=STAGES[0]), None


def stages_of(
    student_ids: Iterable[int],
    applications: Iterable[tuple[int, str]],
    conventions: Iterable[tuple[int, int, str]],
) -> list[dict[str, object]]:
    """Each pupil's step from every ``(student_id, status)`` application and ``(student_id,
    convention_id, status)`` convention of the school: ``[{student_id, stage, convention_id}]``
    in the order of ``student_ids``."""
    found_applications: dict[int, list[str]] = {}
    for student_id, status in applications:
        found_applications.setdefault(student_id, []).append(status)
    found_conventions: dict[int, list[tuple[int, str]]] = {}
    for student_id, convention_id, status in conventions:
        found_conventions.setdefault(student_id, []).append((convention_id, status))
    answer = []
    for student_id in student_ids:
        records = PupilRecords(
            tuple(found_applications.get(student_id, ())), tuple(found_conventions.get(student_id, ()))
        )
        stage, convention_id = pupil_stage(records)
        answer.append({"student_id": student_id, "stage": stage, "convention_id": convention_id})
    return answer
