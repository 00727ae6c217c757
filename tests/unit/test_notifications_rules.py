"""Plain rules of the notifications service: recipients, SMS requests, retry timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import messages
from services.notifications.outgoing import Channel
from services.notifications.retry_policy import MAX_ATTEMPTS, next_attempt_after_failure, retry_delay

pytestmark = pytest.mark.unit


def test_recipients_are_stored_in_one_form() -> None:
    assert messages.normalize_recipient(" Zoe@Example.FR ") == "zoe@example.fr"
    assert messages.normalize_recipient("06 12 34 56 78") == "+33612345678"
    assert messages.normalize_recipient("+33 6 12 34 56 78") == "+33612345678"


def test_an_sms_message_is_the_callers_text_to_the_number() -> None:
    message = messages.sms("+33612345678", "Votre code : 123 456")

    assert message.channel is Channel.SMS
    assert message.recipient == "+33612345678"
    assert message.body == "Votre code : 123 456"
    assert message.subject is None


def test_sms_requests_need_a_text_and_a_reference() -> None:
    assert messages.sms_problems("Votre code : 123 456", "signature-1") == {}
    assert set(messages.sms_problems("  ", "")) == {"text", "reference"}
    assert "text" in messages.sms_problems("x" * (messages.SMS_TEXT_MAX_LENGTH + 1), "r")
    assert "reference" in messages.sms_problems("ok", "r" * (messages.REFERENCE_MAX_LENGTH + 1))


def test_retries_wait_longer_each_time_then_stop() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert retry_delay(20) == timedelta(hours=1)
    assert next_attempt_after_failure(1, now) == now + timedelta(seconds=30)
    assert next_attempt_after_failure(MAX_ATTEMPTS - 1, now) is not None
    assert next_attempt_after_failure(MAX_ATTEMPTS, now) is None
