from datetime import UTC, datetime, timedelta

import pytest

from gateway.error_statuses import status_of
from services.common import session_tokens
from services.common.errors import DomainError
from services.common.session_tokens import SessionClaims

pytestmark = pytest.mark.unit

KEY = "k" * 40


def claims(expires_in: timedelta) -> SessionClaims:
    return SessionClaims(7, "employer", "sid-1", datetime.now(UTC) + expires_in)


def test_a_token_round_trips():
    read = session_tokens.read(KEY, session_tokens.issue(KEY, claims(timedelta(hours=1))))
    assert (read.user_id, read.role, read.session_id) == (7, "employer", "sid-1")


def test_an_expired_token_is_refused():
    token = session_tokens.issue(KEY, claims(timedelta(seconds=-5)))
    with pytest.raises(DomainError) as caught:
        session_tokens.read(KEY, token)
    assert (status_of(caught.value), caught.value.code) == (401, "SESSION_EXPIRED")


def test_a_token_signed_with_another_key_is_refused():
    token = session_tokens.issue("x" * 40, claims(timedelta(hours=1)))
    with pytest.raises(DomainError) as caught:
        session_tokens.read(KEY, token)
    assert caught.value.code == "INVALID_TOKEN"
