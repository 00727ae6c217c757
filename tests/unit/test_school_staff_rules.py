"""A teacher waits for their head of school; a school follows where each pupil stands."""

from __future__ import annotations

import pytest

from services.common.contracts.actors import Actor
from services.common.errors import DomainError
from services.common.staff_confirmation import awaits_confirmation, require_confirmed
from services.conventions.pupil_stages import PupilRecords, pupil_stage, stages_of
from services.identity import staff_rules

pytestmark = pytest.mark.unit

SCHOOL = "0752694W"


def test_only_teachers_wait_for_their_head_and_an_unknown_flag_shows_no_pupil() -> None:
    assert staff_rules.initial_status("teacher") == "pending"
    assert staff_rules.initial_status("school_manager") is None
    assert staff_rules.initial_status("student") is None
    assert awaits_confirmation("teacher", None) and awaits_confirmation("teacher", False)
    assert not awaits_confirmation("teacher", True)
    assert not awaits_confirmation("school_manager", None)
    assert staff_rules.sees_pupils("school_manager", None)
    assert staff_rules.sees_pupils("teacher", "confirmed")
    assert not staff_rules.sees_pupils("teacher", "pending") and not staff_rules.sees_pupils("teacher", "refused")


def test_a_pending_teacher_is_refused_with_its_code_and_a_french_message() -> None:
    with pytest.raises(DomainError) as refused:
        require_confirmed(Actor(user_id=1, role="teacher", school_uai=SCHOOL))
    assert (refused.value.status, refused.value.code) == (403, "TEACHER_NOT_CONFIRMED")
    assert "chef d'établissement" in refused.value.message
    require_confirmed(Actor(user_id=1, role="teacher", school_uai=SCHOOL, school_confirmed=True))
    require_confirmed(Actor(user_id=2, role="school_manager", school_uai=SCHOOL))
    require_confirmed(Actor(user_id=3, role="employer", team_id=4))


def test_only_the_head_of_the_teachers_school_decides() -> None:
    head = Actor(user_id=1, role="school_manager", school_uai=SCHOOL)
    assert staff_rules.may_decide(head, "teacher", SCHOOL)
    assert not staff_rules.may_decide(head, "teacher", "0690001B")
    assert not staff_rules.may_decide(head, "school_manager", SCHOOL)
    assert not staff_rules.may_decide(Actor(user_id=2, role="teacher", school_uai=SCHOOL), "teacher", SCHOOL)
    assert not staff_rules.may_decide(Actor(user_id=3, role="school_manager"), "teacher", None)


@pytest.mark.parametrize(
    ("applications", "conventions", "expected"),
    [
        ((), (), ("no_application", None)),
        (("rejected", "cancelled", "expired"), (), ("no_application", None)),
        (("submitted",), (), ("application_sent", None)),
        (("rejected", "read"), (), ("application_sent", None)),
        (("submitted", "validated"), (), ("internship_accepted", None)),
        (("approved",), ((7, "cancelled"),), ("internship_accepted", None)),
        (("approved",), ((7, "draft"),), ("convention_to_fill", 7)),
        (("approved",), ((7, "completed_by_employer"),), ("convention_to_fill", 7)),
        (("approved",), ((7, "ready_to_sign"),), ("convention_to_sign", 7)),
        (("approved",), ((7, "signatures_started"),), ("convention_to_sign", 7)),
        (("approved",), ((7, "signed_by_all"),), ("convention_signed", 7)),
        # Two internships (two weeks): the furthest convention, then the newest.
        (("approved", "approved"), ((7, "signed_by_all"), (9, "draft")), ("convention_signed", 7)),
        (("approved", "approved"), ((7, "draft"), (9, "completed_by_employer")), ("convention_to_fill", 9)),
    ],
)
def test_a_pupil_stands_at_the_furthest_step_of_their_records(
    applications: tuple[str, ...], conventions: tuple[tuple[int, str], ...], expected: tuple[str, int | None]
) -> None:
    assert pupil_stage(PupilRecords(applications, conventions)) == expected


def test_every_pupil_gets_a_step_in_the_order_asked_from_the_schools_rows() -> None:
    answer = stages_of(
        [3, 1, 2],
        [(1, "submitted"), (2, "approved"), (1, "rejected")],
        [(2, 40, "ready_to_sign")],
    )
    assert answer == [
        {"student_id": 3, "stage": "no_application", "convention_id": None},
        {"student_id": 1, "stage": "application_sent", "convention_id": None},
        {"student_id": 2, "stage": "convention_to_sign", "convention_id": 40},
    ]
