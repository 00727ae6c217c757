"""A school's follow-up of its pupils: where each stands, from two queries whatever their
number (the pupils' applications, their conventions), read through ``pupil_stages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.errors import forbidden
from services.conventions.access import scope_of
from services.conventions.models import Application, Convention
from services.conventions.pupil_stages import stages_of


def pupil_stages(session: Session, actor: Actor, student_ids: list[int]) -> list[dict[str, Any]]:
    """``[{student_id, stage, convention_id}]`` for pupils of the caller's school (its staff
    only; a teacher once confirmed), counting only records of that school."""
    scope = scope_of(actor)
    if scope.kind != "school":
        raise forbidden("Seule l'équipe de l'établissement suit ses élèves.")
    ids = sorted(set(student_ids))
    if not ids:
        return []
    applications = session.execute(
        select(Application.student_id, Application.status).where(
            scope.filter(Application.team_id, Application.student_id, Application.school_uai),
            Application.student_id.in_(ids),
        )
    ).all()
    conventions = session.execute(
        select(Convention.student_id, Convention.id, Convention.status).where(
            scope.filter(Convention.team_id, Convention.student_id, Convention.school_uai),
            Convention.student_id.in_(ids),
        )
    ).all()
    return stages_of(
        student_ids,
        [(row.student_id, row.status) for row in applications],
        [(row.student_id, row.id, row.status) for row in conventions],
    )
