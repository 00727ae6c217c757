"""The head of school confirms its teachers, and the school's staff lists its pupils: identity's
``school_staff_members``, ``decide_school_staff``, ``school_confirmed`` and ``school_pupils``
in a real container on the real broker and database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import events
from services.common.errors import DomainError
from services.identity.models import OutboxMessage
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from tests.integration.test_identity_recipients import OTHER_SCHOOL, SCHOOL, Accounts
from tests.support.databases import DatabaseSet
from tests.support.listener import IdentityEventsListener

pytestmark = pytest.mark.integration


@pytest.fixture
def accounts(start_service: Callable[..., Any]) -> Accounts:
    IdentityEventsListener.received.clear()
    listener = start_service(IdentityEventsListener)
    start_service(MatchingService)
    return Accounts(start_service(IdentityService), listener)


def actor(user: dict[str, Any]) -> dict[str, Any]:
    return {"user_id": user["id"], "role": user["role"], "school_uai": user["school_uai"]}


def refused(accounts: Accounts, method: str, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        accounts.call(method, *args)
    return caught.value


def test_a_teacher_waits_for_the_head_of_their_school_who_confirms_or_refuses_them(
    accounts: Accounts, databases: DatabaseSet
) -> None:
    head = accounts.signup("principal@college.example", "Paule", "school_manager", school_uai=SCHOOL)
    teacher = accounts.signup("prof@college.example", "Théo", "teacher", school_uai=SCHOOL)
    other_head = accounts.signup("principal@lycee.example", "Omar", "school_manager", school_uai=OTHER_SCHOOL)
    pupil = accounts.signup("zoe@example.fr", "Zoé", "student", school_uai=SCHOOL, grade="troisieme")

    # A teacher starts pending; other roles have no staff status.
    assert (teacher["staff_status"], head["staff_status"], pupil["staff_status"]) == ("pending", None, None)
    assert accounts.call("school_confirmed", teacher["id"]) is False
    assert accounts.call("school_confirmed", head["id"]) is None

    staff = accounts.call("school_staff_members", actor(head))
    assert [(m["user_id"], m["role"], m["status"]) for m in staff] == [
        (teacher["id"], "teacher", "pending"),
        (head["id"], "school_manager", "confirmed"),
    ]
    # Only the head of that school manages its staff.
    assert status_of(refused(accounts, "school_staff_members", actor(teacher))) == 403
    assert status_of(refused(accounts, "decide_school_staff", actor(teacher), teacher["id"], "confirm")) == 403
    assert status_of(refused(accounts, "decide_school_staff", actor(other_head), teacher["id"], "confirm")) == 404
    assert status_of(refused(accounts, "decide_school_staff", actor(head), pupil["id"], "confirm")) == 404
    assert refused(accounts, "decide_school_staff", actor(head), head["id"], "refuse").code == "NOT_A_TEACHER"
    assert status_of(refused(accounts, "decide_school_staff", actor(head), teacher["id"], "promote")) == 404

    confirmed = accounts.call("decide_school_staff", actor(head), teacher["id"], "confirm")
    assert confirmed["status"] == "confirmed"
    assert accounts.call("school_confirmed", teacher["id"]) is True
    # Confirming again changes nothing and emails nobody twice.
    accounts.call("decide_school_staff", actor(head), teacher["id"], "confirm")
    with Session(databases.engine("identity")) as db:
        [event] = db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == events.TEACHER_CONFIRMED)).all()
        assert event.payload == {
            "user_id": teacher["id"],
            "email": "prof@college.example",
            "first_name": "Théo",
            "school_uai": SCHOOL,
            "confirmed_by_name": "Paule Test",
        }

    # The head may change their mind: refusing withdraws the teacher's access.
    assert accounts.call("decide_school_staff", actor(head), teacher["id"], "refuse")["status"] == "refused"
    assert accounts.call("school_confirmed", teacher["id"]) is False


def test_the_school_staff_lists_its_pupils_by_class_a_teacher_once_confirmed(accounts: Accounts) -> None:
    head = accounts.signup("principal@college.example", "Paule", "school_manager", school_uai=SCHOOL)
    teacher = accounts.signup("prof@college.example", "Théo", "teacher", school_uai=SCHOOL)
    employer = accounts.signup("alice@boulangerie.example", "Alice", "employer")
    accounts.signup("yann@example.fr", "Yann", "student", school_uai=SCHOOL, grade="troisieme", class_name="3e B")
    accounts.signup("adam@example.fr", "Adam", "student", school_uai=SCHOOL, grade="troisieme", class_name="3e A")
    accounts.signup("ines@example.fr", "Inès", "student", school_uai=SCHOOL, grade="quatrieme", class_name="4e C")
    accounts.signup("leo@example.fr", "Léo", "student", school_uai=OTHER_SCHOOL, grade="troisieme")

    pupils = accounts.call("school_pupils", actor(head))
    assert [(p["first_name"], p["class_name"], p["grade"]) for p in pupils] == [
        ("Adam", "3e A", "troisieme"),
        ("Yann", "3e B", "troisieme"),
        ("Inès", "4e C", "quatrieme"),
    ]
    assert set(pupils[0]) == {"user_id", "first_name", "last_name", "grade", "class_name"}

    waiting = refused(accounts, "school_pupils", actor(teacher))
    assert (status_of(waiting), waiting.code) == (403, "TEACHER_NOT_CONFIRMED")
    assert "chef d'établissement" in waiting.message
    assert status_of(refused(accounts, "school_pupils", {**actor(employer), "school_uai": SCHOOL})) == 403

    accounts.call("decide_school_staff", actor(head), teacher["id"], "confirm")
    assert accounts.call("school_pupils", actor(teacher)) == pupils


def test_a_teacher_sees_the_classes_they_gave_at_sign_up(accounts: Accounts) -> None:
    head = accounts.signup("principale@college.example", "Paule", "school_manager", school_uai=SCHOOL)
    teacher = accounts.signup("prof.3e@college.example", "Théo", "teacher", school_uai=SCHOOL, class_name="3E a ; 3e b")
    accounts.signup("yann@example.fr", "Yann", "student", school_uai=SCHOOL, grade="troisieme", class_name="3e B")
    accounts.signup("adam@example.fr", "Adam", "student", school_uai=SCHOOL, grade="troisieme", class_name="3e  A")
    accounts.signup("ines@example.fr", "Inès", "student", school_uai=SCHOOL, grade="quatrieme", class_name="4e C")
    accounts.signup("noa@example.fr", "Noa", "student", school_uai=SCHOOL, grade="quatrieme")
    accounts.call("decide_school_staff", actor(head), teacher["id"], "confirm")

    assert [p["first_name"] for p in accounts.call("school_pupils", actor(teacher))] == ["Adam", "Yann"]
    assert [p["first_name"] for p in accounts.call("school_pupils", actor(head))] == ["Noa", "Adam", "Yann", "Inès"]
