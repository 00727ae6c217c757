import time
from datetime import UTC, datetime, timedelta

import pytest

from gateway.auth import RevocationList, VerifiedTokens
from services.common import session_tokens
from services.common.errors import DomainError
from services.common.session_tokens import SessionClaims

pytestmark = pytest.mark.unit

KEY = "k" * 40


def token(seconds: float) -> str:
    return session_tokens.issue(KEY, SessionClaims(3, "student", "s", datetime.now(UTC) + timedelta(seconds=seconds)))


def test_a_verified_token_is_served_from_the_cache_until_it_expires(monkeypatch):
    cache = VerifiedTokens(capacity=2)
    good = token(3600)
    assert cache.claims(KEY, good).user_id == 3
    monkeypatch.setattr(session_tokens, "read", lambda *_: pytest.fail("signature checked twice"))
    assert cache.claims(KEY, good).user_id == 3


def test_an_expired_cached_token_is_refused():
    cache = VerifiedTokens()
    short = token(1)
    cache.claims(KEY, short)
    time.sleep(1.1)
    with pytest.raises(DomainError) as expired:
        cache.claims(KEY, short)
    assert expired.value.code == "SESSION_EXPIRED"


def test_the_cache_is_bounded():
    cache = VerifiedTokens(capacity=2)
    for _ in range(3):
        cache.claims(KEY, token(3600 + _))
    assert len(cache._claims) == 2


def test_a_forged_token_is_never_cached():
    cache = VerifiedTokens()
    with pytest.raises(DomainError):
        cache.claims("another key" * 4, token(3600))
    assert cache._claims == {}


def test_revocations_load_once_and_then_grow_by_events():
    calls = []
    revoked = RevocationList()
    revoked.ensure_loaded(lambda: calls.append(1) or ["a"])
    revoked.ensure_loaded(lambda: calls.append(1) or ["b"])
    revoked.add("c")
    assert calls == [1]
    assert "a" in revoked and "c" in revoked and "b" not in revoked
