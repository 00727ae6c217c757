"""A teacher waits for their head of school (and the gateway asks afresh on each request); a
school follows where each pupil stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.wrappers import Request

from gateway.error_statuses import status_of
from gateway.routing import Call
from gateway.school_staff_pages import PUPIL_STAGES, classes_of
from services.common.contracts.actors import Actor
from services.common.errors import DomainError
from services.common.session_tokens import SessionClaims
from services.common.staff_confirmation import awaits_confirmation, require_confirmed
from services.conventions.pupil_stages import STAGES, PupilRecords, pupil_stage, stages_of
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
    assert (status_of(refused.value), refused.value.code) == (403, "TEACHER_NOT_CONFIRMED")
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


def test_the_gateway_asks_identity_once_per_request_whether_a_teacher_is_confirmed() -> None:
    asked: list[int] = []

    def lookup(user_id: int) -> bool:
        asked.append(user_id)
        return True

    expires = datetime.now(UTC) + timedelta(hours=1)
    teacher = Call(Request.from_values("/"), {}, staff_confirmation=lookup)
    teacher.user = SessionClaims(5, "teacher", "s1", expires, school_uai=SCHOOL)
    assert teacher.actor is not None and teacher.actor["school_confirmed"] is True
    assert teacher.actor["school_confirmed"] is True
    assert asked == [5]  # once per request; the next request asks again, so a decision counts at once

    head = Call(Request.from_values("/"), {}, staff_confirmation=lookup)
    head.user = SessionClaims(6, "school_manager", "s2", expires, school_uai=SCHOOL)
    assert head.actor is not None and "school_confirmed" not in head.actor
    assert asked == [5]


def test_the_pupils_page_groups_pupils_by_class_with_their_stage_in_words() -> None:
    pupils = [
        {
            "user_id": 1,
            "first_name": "Adam",
            "last_name": "B",
            "grade": "troisieme",
            "class_name": "3e A",
            "stage": "no_application",
            "convention_id": None,
        },
        {
            "user_id": 2,
            "first_name": "Inès",
            "last_name": "C",
            "grade": "troisieme",
            "class_name": "3e A",
            "stage": "convention_signed",
            "convention_id": 9,
        },
        {
            "user_id": 3,
            "first_name": "Léo",
            "last_name": "D",
            "grade": None,
            "class_name": None,
            "stage": "application_sent",
            "convention_id": None,
        },
    ]
    classes = classes_of(pupils)
    assert [(group["name"], len(group["rows"]), group["signed"]) for group in classes] == [
        ("3e A", 2, 1),
        ("Classe non renseignée", 1, 0),
    ]
    assert [(row["name"], row["grade"], row["label"]) for row in classes[0]["rows"]] == [
        ("Adam B", "3e", "aucune candidature"),
        ("Inès C", "3e", "convention signée"),
    ]
    assert classes[0]["rows"][1]["convention_id"] == 9
    assert set(PUPIL_STAGES) == set(STAGES)


def test_a_teachers_classes_are_read_without_case_or_extra_spaces() -> None:
    classes = staff_rules.teacher_classes(" 3E a ;3e  B, ")
    assert classes == frozenset({"3e a", "3e b"})
    assert staff_rules.in_classes("3e A", classes) and staff_rules.in_classes("3e   b", classes)
    assert not staff_rules.in_classes("4e C", classes) and not staff_rules.in_classes(None, classes)
    # no class given: every class of the school
    assert staff_rules.teacher_classes(None) == staff_rules.teacher_classes("") == frozenset()
    assert staff_rules.in_classes("4e C", frozenset()) and staff_rules.in_classes(None, frozenset())
