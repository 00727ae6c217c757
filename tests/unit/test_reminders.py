"""When hosts and signatories are reminded, and when an application expires instead (a fixed
clock, no broker, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.conventions import reminders as rules
from services.conventions.reminders import UnansweredApplication, UnsignedConvention

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EXPIRY_DAYS = 15


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def application(
    application_id: int = 1,
    *,
    status: str = "submitted",
    waiting: float = 8,
    reminded: float | None = None,
    team_id: int = 3,
    space_id: int | None = 4,
) -> UnansweredApplication:
    return UnansweredApplication(
        application_id=application_id,
        team_id=team_id,
        space_id=space_id,
        status=status,
        waiting_since=days_ago(waiting),
        reminded_at=None if reminded is None else days_ago(reminded),
    )


def reminded_ids(*applications: UnansweredApplication) -> list[int]:
    due = rules.host_reminders_due(applications, NOW, EXPIRY_DAYS)
    return sorted(each for ids in due.values() for each in ids)


@pytest.mark.parametrize(
    ("waiting", "due"),
    [(6.99, False), (7, True), (8, True), (14.99, True), (15, False), (20, False)],
)
def test_a_host_is_reminded_from_seven_days_without_answer_until_the_application_expires(waiting, due):
    assert reminded_ids(application(waiting=waiting)) == ([1] if due else [])


@pytest.mark.parametrize(("waiting", "expired"), [(14.99, False), (15, True), (16, True)])
def test_an_application_expires_fifteen_days_after_its_last_change(waiting, expired):
    assert rules.expires(days_ago(waiting), NOW, EXPIRY_DAYS) is expired


@pytest.mark.parametrize(
    ("reminded", "due"),
    [(None, True), (0, False), (6.99, False), (7, True), (10, True)],
)
def test_a_host_is_reminded_at_most_once_per_seven_days(reminded, due):
    assert reminded_ids(application(waiting=14, reminded=reminded)) == ([1] if due else [])


@pytest.mark.parametrize("status", ["validated", "approved", "rejected", "cancelled", "expired"])
def test_applications_answered_or_waiting_for_the_pupil_are_not_reminded(status):
    assert reminded_ids(application(status=status, waiting=10)) == []


@pytest.mark.parametrize("status", ["submitted", "read"])
def test_applications_the_host_has_not_answered_are_reminded(status):
    assert reminded_ids(application(status=status, waiting=10)) == [1]


def test_reminders_are_grouped_by_the_teams_space_oldest_first():
    due = rules.host_reminders_due(
        [
            application(1, waiting=8),
            application(2, waiting=12),
            application(3, waiting=9, space_id=5),
            application(4, waiting=9, team_id=6, space_id=None),
            application(5, waiting=3),  # too recent
        ],
        NOW,
        EXPIRY_DAYS,
    )
    assert due == {(3, 4): [2, 1], (3, 5): [3], (6, None): [4]}


def convention(
    *, status: str = "ready_to_sign", ready: float | None = 4, reminded: float | None = None
) -> UnsignedConvention:
    return UnsignedConvention(
        convention_id=9,
        status=status,
        ready_since=None if ready is None else days_ago(ready),
        reminded_at=None if reminded is None else days_ago(reminded),
    )


@pytest.mark.parametrize(
    ("ready", "reminded", "due"),
    [
        (2.99, None, False),
        (3, None, True),
        (10, None, True),
        (10, 0, False),
        (10, 2.99, False),
        (10, 3, True),
        (None, None, False),  # a side has not declared its part done: nothing to sign yet
    ],
)
def test_signatories_are_reminded_after_three_days_then_every_three_days(ready, reminded, due):
    assert rules.signature_reminders_due([convention(ready=ready, reminded=reminded)], NOW) == ([9] if due else [])


@pytest.mark.parametrize("status", ["signatures_started", "ready_to_sign"])
def test_a_convention_partly_signed_is_still_reminded(status):
    assert rules.signature_reminders_due([convention(status=status, ready=5)], NOW) == [9]


@pytest.mark.parametrize("status", ["draft", "completed_by_employer", "signed_by_all", "cancelled"])
def test_conventions_not_waiting_for_signatures_are_not_reminded(status):
    assert rules.signature_reminders_due([convention(status=status, ready=5)], NOW) == []


def test_a_convention_is_ready_once_both_sides_declared_their_parts_done():
    host_done, school_done = days_ago(5), days_ago(2)
    assert rules.ready_since(host_done, school_done) == school_done
    assert rules.ready_since(school_done, host_done) == school_done
    assert rules.ready_since(host_done, None) is None
    assert rules.ready_since(None, school_done) is None
