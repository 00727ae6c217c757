"""Routes of a school's staff: the head confirms or refuses its teachers (identity), and the
staff follows its pupils (identity lists them, conventions says where each stands)."""

from __future__ import annotations

from typing import Any

from gateway.routing import Call, route
from services.common.contracts.school_staff import SchoolPupilList, StaffListOut, StaffMemberOut

TAG = "établissements"
STAFF_MEMBER = "/api/v1/school/staff/<int:user_id>"
NOT_CONFIRMED = "403 TEACHER_NOT_CONFIRMED : professeur que le chef d'établissement n'a pas encore confirmé."


def pupils_with_stages(identity: Any, conventions: Any, actor: dict[str, Any]) -> list[dict[str, Any]]:
    """The pupils of the caller's school (identity, by class) each with where they stand
    (conventions): two remote calls whatever the number of pupils."""
    pupils = identity.school_pupils(actor)
    stages = conventions.pupil_stages(actor, [pupil["user_id"] for pupil in pupils]) if pupils else []
    by_student = {stage["student_id"]: stage for stage in stages}
    missing = {"stage": "no_application", "convention_id": None}
    return [
        {**pupil, **{key: by_student.get(pupil["user_id"], missing)[key] for key in ("stage", "convention_id")}}
        for pupil in pupils
    ]


def _listing(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"results": results, "total": len(results), "page": 1, "per_page": max(len(results), 1)}


class SchoolStaffRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    conventions: Any

    @route(
        "GET",
        "/api/v1/school/staff",
        summary="L'équipe de mon établissement (chef d'établissement)",
        tag=TAG,
        response=StaffListOut,
        errors=(403,),
        description="Chefs d'établissement et professeurs, les professeurs en attente de confirmation d'abord.",
    )
    def list_school_staff(self, call: Call) -> dict[str, Any]:
        return _listing(self.identity.school_staff_members(call.actor))

    @route(
        "POST",
        STAFF_MEMBER + "/confirm",
        summary="Confirmer un professeur de mon établissement",
        tag=TAG,
        response=StaffMemberOut,
        errors=(403, 404, 409),
        description="Le professeur voit dès lors les élèves de l'établissement ; il en est averti par e-mail.",
    )
    def confirm_school_staff(self, call: Call) -> dict[str, Any]:
        return self.identity.decide_school_staff(call.actor, call.path["user_id"], "confirm")  # type: ignore[no-any-return]

    @route(
        "POST",
        STAFF_MEMBER + "/refuse",
        summary="Refuser un professeur de mon établissement",
        tag=TAG,
        response=StaffMemberOut,
        errors=(403, 404, 409),
        description="Le professeur ne voit pas (ou plus) les élèves de l'établissement.",
    )
    def refuse_school_staff(self, call: Call) -> dict[str, Any]:
        return self.identity.decide_school_staff(call.actor, call.path["user_id"], "refuse")  # type: ignore[no-any-return]

    @route(
        "GET",
        "/api/v1/school/pupils",
        summary="Les élèves de mon établissement et où en est leur stage",
        tag=TAG,
        response=SchoolPupilList,
        errors=(403,),
        description="Par classe ; stage : no_application, application_sent, internship_accepted, "
        "convention_to_fill, convention_to_sign, convention_signed. " + NOT_CONFIRMED,
    )
    def list_school_pupils(self, call: Call) -> dict[str, Any]:
        return _listing(pupils_with_stages(self.identity, self.conventions, call.actor))
