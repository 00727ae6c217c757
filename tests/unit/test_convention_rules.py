"""The life of a convention and of a signature request (no broker, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.error_statuses import status_of
from services.conventions import convention_rules as rules
from services.conventions import signature_codes as codes

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ALL = ["employer", "school_manager", "student", "legal_representative"]


@pytest.mark.parametrize(
    ("completed", "validated", "status"),
    [
        (False, False, "draft"),
        (True, False, "completed_by_employer"),
        (False, True, "draft"),
        (True, True, "ready_to_sign"),
    ],
)
def test_both_parts_done_in_either_order_make_it_ready_to_sign(completed, validated, status):
    assert rules.status_after_parts(completed, validated) == status


def test_signatures_lead_to_signed_by_all_only_with_the_four():
    assert rules.status_after_signatures(["employer"]) == "signatures_started"
    assert rules.status_after_signatures(ALL[:3]) == "signatures_started"
    assert rules.status_after_signatures(reversed(ALL)) == "signed_by_all"
    assert rules.awaiting("signatures_started", ["student"]) == ["employer", "school_manager", "legal_representative"]
    assert rules.awaiting("draft", []) == []


@pytest.mark.parametrize(
    ("status", "done", "code"),
    [
        ("draft", None, None),
        ("completed_by_employer", None, None),
        ("draft", NOW, "PART_ALREADY_DONE"),
        ("ready_to_sign", None, "CONVENTION_FROZEN"),
        ("signatures_started", None, "CONVENTION_FROZEN"),
        ("cancelled", None, "CONVENTION_FROZEN"),
    ],
)
def test_a_part_is_edited_until_its_side_declares_it_done_and_never_once_ready(status, done, code):
    problem = rules.editing_problem(status, done)
    assert (problem.code if problem else None) == code
    assert problem is None or status_of(problem) == 409


def test_each_side_must_fill_in_its_required_fields():
    part = {"tutor_name": "Camille", "tutor_role": "", "activities": "Observer."}
    assert set(rules.missing(part, rules.HOST_REQUIRED)) == {"tutor_role", "tutor_email", "daily_hours", "lunch_break"}
    assert rules.missing(dict.fromkeys(rules.SCHOOL_REQUIRED, "x"), rules.SCHOOL_REQUIRED) == {}


def test_only_a_convention_signed_by_all_outlives_its_application():
    assert rules.may_be_cancelled("signatures_started")
    assert not rules.may_be_cancelled("signed_by_all")


@pytest.mark.parametrize(
    ("used_at", "attempts", "expires_in", "code", "status"),
    [
        (None, 0, 60, None, None),
        (None, 4, 60, None, None),
        (None, 5, 60, "TOO_MANY_ATTEMPTS", 423),
        (None, 0, 0, "CODE_EXPIRED", 410),
        (None, 5, -60, "TOO_MANY_ATTEMPTS", 423),
        (NOW, 0, 60, "CODE_ALREADY_USED", 410),
    ],
)
def test_a_signature_request_is_tried_only_while_unused_unlocked_and_unexpired(
    used_at, attempts, expires_in, code, status
):
    problem = codes.request_problem(used_at, attempts, NOW + timedelta(seconds=expires_in), NOW)
    assert (problem.code if problem else None, status_of(problem) if problem else None) == (code, status)


def test_a_wrong_code_says_how_many_tries_are_left():
    assert "4 essais" in codes.wrong_code(1).message
    assert "1 essai." in codes.wrong_code(4).message
    last = codes.wrong_code(5)
    assert (status_of(last), last.code) == (422, "WRONG_CODE") and "bloquée" in last.message
