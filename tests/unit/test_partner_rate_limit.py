"""The partner API's rate-limit rule: fixed windows of one minute, 100 calls each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.identity import rules

pytestmark = pytest.mark.unit

MINUTE_START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_a_window_is_a_whole_minute_of_the_unix_clock():
    window, left = rules.partner_window(MINUTE_START)
    assert window == int(MINUTE_START.timestamp()) // 60
    assert left == 60
    assert rules.partner_window(MINUTE_START + timedelta(seconds=59.999)) == (window, 1)
    assert rules.partner_window(MINUTE_START + timedelta(seconds=60))[0] == window + 1


def test_seconds_left_are_rounded_up_and_never_zero():
    assert rules.partner_window(MINUTE_START + timedelta(seconds=0.5))[1] == 60
    assert rules.partner_window(MINUTE_START + timedelta(seconds=30.2))[1] == 30
    assert rules.partner_window(MINUTE_START + timedelta(seconds=59, microseconds=999_999))[1] == 1


def test_the_window_does_not_depend_on_the_time_zone_of_now():
    paris = MINUTE_START.astimezone(ZoneInfo("Europe/Paris"))
    assert paris.hour == 13
    assert rules.partner_window(paris) == rules.partner_window(MINUTE_START)


def test_a_hundred_calls_pass_and_the_hundred_and_first_waits_for_the_next_window():
    assert rules.PARTNER_CALLS_PER_WINDOW == 100
    assert all(rules.partner_retry_after(calls, 42) is None for calls in range(1, 101))
    assert rules.partner_retry_after(101, 42) == 42
    assert rules.partner_retry_after(5000, 3) == 3


def test_operator_passwords_are_long_and_random():
    passwords = {rules.new_operator_password() for _ in range(20)}
    assert len(passwords) == 20
    assert all(len(password) >= 32 and password.isprintable() and " " not in password for password in passwords)
