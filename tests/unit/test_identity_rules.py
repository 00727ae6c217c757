from datetime import UTC, datetime, timedelta

import pytest

from services.common.digests import token_digest
from services.identity import rules
from services.identity.passwords import hash_password, verify_password

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_nine_failures_still_allow_a_try():
    failures = [NOW - timedelta(minutes=i) for i in range(9)]
    assert rules.login_retry_after(failures, NOW) is None


def test_ten_failures_in_fifteen_minutes_block_until_the_oldest_leaves_the_window():
    failures = [NOW - timedelta(minutes=10)] + [NOW - timedelta(minutes=1)] * 9
    wait = rules.login_retry_after(failures, NOW)
    assert wait is not None
    assert 5 * 60 <= wait <= 5 * 60 + 2


def test_failures_older_than_the_window_do_not_count():
    failures = [NOW - timedelta(minutes=16)] * 20 + [NOW - timedelta(minutes=1)] * 9
    assert rules.login_retry_after(failures, NOW) is None


def test_tokens_are_random_and_only_their_digest_is_kept():
    token, digest = rules.new_token()
    other, _ = rules.new_token()
    assert token != other
    assert len(token) >= 40
    assert digest == token_digest(token)
    assert token not in digest


def test_emails_compare_case_insensitively():
    assert rules.normalize_email("  Alice@Example.FR ") == "alice@example.fr"


def test_argon2_hash_verifies_only_the_right_password():
    stored = hash_password("un mot de passe solide")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "un mot de passe solide")
    assert not verify_password(stored, "un autre mot de passe")
    assert not verify_password(None, "un mot de passe solide")
