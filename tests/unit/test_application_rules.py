"""The life of an application and the weeks a pupil may ask for (no broker, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.error_statuses import status_of
from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear
from services.conventions import application_rules as rules

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 30)
YEAR = SchoolYear.current(TODAY)


@pytest.mark.parametrize(
    ("action", "current", "role", "target"),
    [
        ("read", "submitted", "employer", "read"),
        ("validate", "submitted", "employer", "validated"),
        ("validate", "read", "employer", "validated"),
        ("reject", "read", "employer", "rejected"),
        ("reject", "validated", "employer", "rejected"),
        ("approve", "validated", "student", "approved"),
        ("cancel", "submitted", "student", "cancelled"),
        ("cancel", "approved", "employer", "cancelled"),
        ("expire", "validated", "system", "expired"),
    ],
)
def test_allowed_moves(action, current, role, target):
    assert rules.next_status(action, current, role) == target


@pytest.mark.parametrize(
    ("action", "current", "role"),
    [
        ("approve", "submitted", "student"),  # the host has not selected the pupil yet
        ("approve", "approved", "student"),  # twice
        ("validate", "rejected", "employer"),
        ("read", "read", "employer"),
        ("cancel", "rejected", "student"),
        ("cancel", "expired", "employer"),
        ("expire", "approved", "system"),
    ],
)
def test_invalid_transitions_are_409(action, current, role):
    with pytest.raises(DomainError) as error:
        rules.next_status(action, current, role)
    assert (status_of(error.value), error.value.code) == (409, "INVALID_TRANSITION")


@pytest.mark.parametrize(
    ("action", "role"), [("approve", "employer"), ("validate", "student"), ("reject", "student"), ("read", "student")]
)
def test_each_side_takes_only_its_actions(action, role):
    with pytest.raises(DomainError) as error:
        rules.next_status(action, "validated" if action == "approve" else "submitted", role)
    assert status_of(error.value) == 403


def test_unknown_action_is_404():
    with pytest.raises(DomainError) as error:
        rules.next_status("teleport", "submitted", "employer")
    assert status_of(error.value) == 404


def test_a_refusal_needs_a_reason():
    with pytest.raises(DomainError) as error:
        rules.reason_problems("reject", "  ")
    assert "reason" in error.value.fields
    rules.reason_problems("reject", "Complet cette semaine-là.")
    rules.reason_problems("cancel", None)


def week(index: int) -> str:
    return str(YEAR.college_weeks()[index])


def test_college_pupil_asks_one_of_the_offers_weeks():
    offered = [week(-3), week(-2)]
    assert rules.week_problems([week(-2)], "troisieme", ["troisieme"], offered, [], TODAY) == {}
    assert "weeks" in rules.week_problems([week(-1)], "troisieme", ["troisieme"], offered, [], TODAY)
    assert "weeks" in rules.week_problems(offered, "troisieme", ["troisieme"], offered, [], TODAY)


def test_all_year_offer_takes_any_week_of_the_school_year_not_started():
    assert rules.week_problems([week(-1)], "quatrieme", ["quatrieme"], "all_year", [], TODAY) == {}
    summer = f"{YEAR.last_college_week.monday.year}-W30"
    assert "weeks" in rules.week_problems([summer], "quatrieme", ["quatrieme"], "all_year", [], TODAY)
    started = "2026-W48"  # the week of 30 November 2026 began that Monday
    assert "weeks" in rules.week_problems([started], "quatrieme", ["quatrieme"], "all_year", [], TODAY)


def test_seconde_pupil_asks_the_whole_period():
    period = [str(w) for w in YEAR.seconde.weeks("two_weeks")]
    assert rules.week_problems(period, "seconde", ["seconde"], None, period, TODAY) == {}
    assert "weeks" in rules.week_problems(period[:1], "seconde", ["seconde"], None, period, TODAY)


def test_an_offer_for_other_grades_is_refused_on_grade():
    assert "grade" in rules.week_problems([week(-1)], "seconde", ["troisieme"], "all_year", [], TODAY)
    assert "grade" in rules.week_problems([week(-1)], None, ["troisieme"], "all_year", [], TODAY)


def test_overlapping_weeks():
    assert rules.overlaps(["2027-W03"], ["2027-W03", "2027-W04"])
    assert not rules.overlaps(["2027-W03"], ["2027-W05"])
