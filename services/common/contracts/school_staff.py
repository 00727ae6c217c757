"""A school's staff and pupils on the wire: the head's list of staff with each teacher's
confirmation, the pupils of a school by class, and where each pupil stands."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

StaffStatus = Literal["pending", "confirmed", "refused"]
StaffDecision = Literal["confirm", "refuse"]
# Where a pupil stands, from « aucune candidature » to « convention signée » (see
# services/conventions/pupil_stages.py).
PupilStage = Literal[
    "no_application",
    "application_sent",
    "internship_accepted",
    "convention_to_fill",
    "convention_to_sign",
    "convention_signed",
]


class StaffMemberOut(BaseModel):
    """A head of school or a teacher of the school."""

    user_id: int
    first_name: str
    last_name: str
    email: str
    role: Literal["school_manager", "teacher"]
    status: StaffStatus = Field(
        description="Professeurs : pending (en attente du chef d'établissement), confirmed ou refused ; "
        "chefs d'établissement : confirmed."
    )
    email_confirmed: bool
    created_at: str


class StaffListOut(BaseModel):
    """``GET /api/v1/school/staff`` (head of school only)."""

    results: list[StaffMemberOut]
    total: int
    page: int = 1
    per_page: int


class PupilOut(BaseModel):
    """A pupil of the school, as its staff sees them."""

    user_id: int
    first_name: str
    last_name: str
    grade: str | None
    class_name: str | None


class PupilStageOut(BaseModel):
    """Where a pupil stands, computed from their applications and conventions."""

    student_id: int
    stage: PupilStage
    convention_id: int | None = None


class SchoolPupilOut(PupilOut):
    """A pupil with where they stand (``GET /api/v1/school/pupils``)."""

    stage: PupilStage
    convention_id: int | None = None


class SchoolPupilList(BaseModel):
    results: list[SchoolPupilOut]
    total: int
    page: int = 1
    per_page: int
