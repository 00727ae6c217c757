"""Rules against abuse of accounts: rate limits, device tokens, the client address behind
proxies, the production secret and who may read /metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.client_address import client_address
from gateway.error_statuses import status_of
from services.common import config
from services.common.client_addresses import counts_address
from services.common.errors import DomainError
from services.identity import devices, rules

pytestmark = pytest.mark.unit

HOUR_START = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
KEY = "une-clé-de-test-assez-longue-pour-signer-0123456789"


# -- rate limits ---------------------------------------------------------------------------------


def test_a_fixed_window_starts_on_a_multiple_of_its_length_and_says_the_seconds_left():
    window, left = rules.fixed_window(HOUR_START, 3600)
    assert (window, left) == (int(HOUR_START.timestamp()) // 3600, 3600)
    assert rules.fixed_window(HOUR_START + timedelta(minutes=59, seconds=59.5), 3600) == (window, 1)
    assert rules.fixed_window(HOUR_START + timedelta(hours=1), 3600)[0] == window + 1
    assert rules.fixed_window(HOUR_START + timedelta(minutes=7), 900)[1] == 8 * 60


def test_a_limit_allows_its_count_and_refuses_the_next_with_the_wait():
    limit = rules.RateLimit("essai", 3, 900)
    assert [rules.over_limit(count, limit, 120) for count in (1, 2, 3, 4, 50)] == [None, None, None, 120, 120]


def test_counter_keys_hold_no_address_and_differ_by_limit_and_subject():
    key = rules.rate_key(rules.SIGNUP_PER_EMAIL, "alice@example.fr")
    assert "alice" not in key and "example" not in key
    assert key.startswith("signup:email:")
    assert key != rules.rate_key(rules.RESET_PER_EMAIL, "alice@example.fr")
    assert key != rules.rate_key(rules.SIGNUP_PER_EMAIL, "bob@example.fr")
    # The table's column holds the longest key.
    longest = max(
        (limit for limit in vars(rules).values() if isinstance(limit, rules.RateLimit)), key=lambda x: len(x.name)
    )
    assert len(rules.rate_key(longest, "x")) <= 80


def test_limits_by_address_skip_local_processes_and_unknown_addresses():
    assert counts_address("203.0.113.7") is True
    assert counts_address("2001:db8::1") is True
    assert counts_address("127.0.0.1") is False
    assert counts_address("::1") is False
    assert counts_address(None) is False
    assert counts_address("") is False


def test_the_stated_limits():
    """The README states these figures: change both together."""
    stated = {
        rules.SIGNUP_PER_EMAIL: (3, 3600),
        rules.SIGNUP_PER_ADDRESS: (100, 3600),
        rules.RESET_PER_EMAIL: (3, 900),
        rules.RESET_PER_ADDRESS: (30, 900),
        rules.RESEND_PER_EMAIL: (3, 900),
        rules.RESEND_PER_ADDRESS: (30, 900),
        rules.LOGIN_FAILURES_PER_ADDRESS: (50, 900),
        rules.LOGIN_FAILURES_PER_DEVICE: (10, 900),
        rules.TOKEN_FAILURES_PER_ADDRESS: (30, 900),
    }
    assert {limit: (limit.limit, limit.window_seconds) for limit in stated} == stated


# -- device tokens -------------------------------------------------------------------------------


def test_a_device_token_is_known_for_its_account_only():
    token = devices.new_device_token(KEY, 42)
    nonce = devices.known_device(KEY, token, 42)
    assert nonce is not None and nonce in token
    assert devices.known_device(KEY, token, 43) is None
    assert devices.known_device("une-autre-clé-de-la-plateforme-0123456789", token, 42) is None
    assert devices.new_device_token(KEY, 42) != token


@pytest.mark.parametrize("forged", [None, "", "42", "42.abc", "42.abc.def", "42..sig", "x" * 500, "42.a.b.c"])
def test_forged_device_tokens_are_unknown(forged):
    assert devices.known_device(KEY, forged, 42) is None


def test_a_device_token_with_another_accounts_signature_is_unknown():
    _user_id, nonce, signature = devices.new_device_token(KEY, 42).split(".")
    assert devices.known_device(KEY, f"43.{nonce}.{signature}", 43) is None


# -- the client address ---------------------------------------------------------------------------


def request_from(peer: str, forwarded: str | None = None, **extra: str) -> Request:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    headers.update(extra)
    return Request(EnvironBuilder(path="/", headers=headers, environ_base={"REMOTE_ADDR": peer}).get_environ())


@pytest.fixture
def proxies(monkeypatch: pytest.MonkeyPatch):
    def trust(setting: str | None) -> None:
        if setting is None:
            monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
        else:
            monkeypatch.setenv("TRUSTED_PROXIES", setting)
        config.trusted_proxies.cache_clear()

    yield trust
    config.trusted_proxies.cache_clear()


def test_by_default_only_loopback_proxies_are_believed(proxies):
    proxies(None)
    assert client_address(request_from("127.0.0.1", "203.0.113.9")) == "203.0.113.9"
    assert client_address(request_from("::1", "2001:db8::9")) == "2001:db8::9"
    assert client_address(request_from("198.51.100.1", "203.0.113.9")) == "198.51.100.1"
    assert client_address(request_from("198.51.100.1")) == "198.51.100.1"


def test_behind_trusted_proxies_the_client_is_the_right_most_untrusted_hop(proxies):
    proxies("10.0.0.0/8, 192.168.1.1")
    # What the client wrote stays on the left; each proxy appended the peer it saw.
    assert client_address(request_from("10.1.2.3", "6.6.6.6, 203.0.113.9, 10.4.5.6")) == "203.0.113.9"
    assert client_address(request_from("192.168.1.1", "203.0.113.9")) == "203.0.113.9"
    assert client_address(request_from("172.16.0.1", "203.0.113.9")) == "172.16.0.1"
    # Loopback is no longer trusted once the setting names other proxies.
    assert client_address(request_from("127.0.0.1", "203.0.113.9")) == "127.0.0.1"
    # Garbage in the header: the last proxy whose word holds.
    assert client_address(request_from("10.1.2.3", "pas-une-adresse")) == "10.1.2.3"
    assert client_address(request_from("10.1.2.3", "203.0.113.9, n'importe quoi, 10.4.5.6")) == "10.4.5.6"


def test_an_empty_setting_trusts_no_proxy(proxies):
    proxies("")
    assert client_address(request_from("127.0.0.1", "203.0.113.9")) == "127.0.0.1"


# -- secrets from the environment -------------------------------------------------------------------


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    monkeypatch.setenv("E1S_ENV", "production")
    monkeypatch.delenv("PASSWORD_HASHING", raising=False)  # the suite's fast hashing is refused there
    return monkeypatch


@pytest.mark.parametrize(
    "secret",
    [None, "", "replace-me-with-a-long-random-value", "test-secret-key-not-for-production-0123456789", "court"],
)
def test_production_refuses_to_start_with_a_default_secret(production, secret):
    if secret is None:
        production.delenv("SECRET_KEY", raising=False)
    else:
        production.setenv("SECRET_KEY", secret)
    with pytest.raises(config.ConfigurationError, match="refusing to start in production"):
        config.check_production_settings()
    with pytest.raises(config.ConfigurationError):
        config.secret_key()


def test_production_starts_with_a_secret_from_the_environment(production, tmp_path):
    production.setenv("SECRET_KEY", "k" * 48)
    config.check_production_settings()
    assert config.secret_key() == "k" * 48
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_the_test_suite_s_fast_password_hashing(production):
    production.setenv("SECRET_KEY", "k" * 48)
    production.setenv("PASSWORD_HASHING", "fast")
    with pytest.raises(config.ConfigurationError, match="PASSWORD_HASHING must be standard"):
        config.check_production_settings()


def test_outside_production_a_local_secret_is_generated(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    monkeypatch.delenv("E1S_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config.check_production_settings()
    assert len(config.secret_key()) >= 32
    assert (tmp_path / "secret_key").exists()


# -- /metrics ------------------------------------------------------------------------------------------


def test_metrics_need_the_token_when_one_is_configured(monkeypatch: pytest.MonkeyPatch, proxies):
    from gateway.metrics_access import metrics_access

    proxies(None)
    monkeypatch.setenv("METRICS_TOKEN", "jeton-des-metriques")
    with pytest.raises(DomainError) as refused:
        metrics_access(request_from("127.0.0.1"))
    assert status_of(refused.value) == 401
    with pytest.raises(DomainError) as wrong:
        metrics_access(request_from("127.0.0.1", Authorization="Bearer autre-jeton"))
    assert status_of(wrong.value) == 401
    metrics_access(request_from("203.0.113.9", Authorization="Bearer jeton-des-metriques"))


def test_without_a_token_metrics_are_for_local_clients_only(monkeypatch: pytest.MonkeyPatch, proxies):
    from gateway.metrics_access import metrics_access

    proxies(None)
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    metrics_access(request_from("127.0.0.1"))
    for outside in (request_from("203.0.113.9"), request_from("127.0.0.1", "203.0.113.9")):
        with pytest.raises(DomainError) as refused:
            metrics_access(outside)
        assert status_of(refused.value) == 403


def test_a_process_refuses_to_start_in_production_with_the_placeholder_secret(tmp_path):
    """The runner checks before migrating or connecting to anything: exit 2, said in its log."""
    env = {
        **os.environ,
        "E1S_ENV": "production",
        "SECRET_KEY": "replace-me-with-a-long-random-value",
        "STATE_DIR": str(tmp_path),
        # Nothing to reach: the process must stop before trying.
        "AMQP_URI": "amqp://nobody:nothing@127.0.0.1:1/",
        "DATABASE_URL_IDENTITY": f"sqlite:///{tmp_path / 'never.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services.common.runner", "identity"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "refusing to start in production" in done.stdout + done.stderr
    assert not (tmp_path / "never.db").exists()
