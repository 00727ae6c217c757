"""Identity's side of the partner API v2: operator accounts, their login and the shared
rate-limit counter, against the real broker and database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common import session_tokens
from services.common.contracts.identity import NewOperator, SignupRequest
from services.common.errors import DomainError
from services.identity import accounts, partner_calls
from services.identity.models import LoginFailure, Operator, OutboxMessage, PartnerCallCount, ProcessedEvent, User
from services.identity.service import IdentityService

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-secret-key-not-for-production-0123456789"
MINUTE = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def session_of(databases) -> Session:
    return Session(
        databases.engine("identity"), info={"outbox_model": OutboxMessage, "processed_model": ProcessedEvent}
    )


def count(databases, operator_id: int, now: datetime) -> int | None:
    with session_of(databases) as session, session.begin():
        return partner_calls.count_call(session, operator_id, now)


def wait_for_a_fresh_window(margin: float = 12.0) -> None:
    """Calls that must fall in one real minute start early enough in it."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.05)


def create_operator_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.identity.create_operator", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


# -- the counter, on the database itself --------------------------------------------------


def test_a_hundred_calls_a_minute_then_wait_for_the_next_window(env, databases):
    results = [count(databases, 7, MINUTE + timedelta(seconds=i * 0.5)) for i in range(101)]
    assert results[:100] == [None] * 100
    # the 101st call comes at :50.0, ten seconds before the next window
    assert results[100] == 10
    assert count(databases, 7, MINUTE + timedelta(seconds=59.5)) == 1
    assert count(databases, 7, MINUTE + timedelta(seconds=60)) is None


def test_operators_are_counted_apart(env, databases):
    for _ in range(100):
        count(databases, 1, MINUTE)
    assert count(databases, 1, MINUTE) is not None
    assert count(databases, 2, MINUTE) is None


def test_old_windows_are_purged_when_a_new_one_opens(env, databases):
    for minutes in (0, 1, 2, 5):
        count(databases, 3, MINUTE + timedelta(minutes=minutes))
    count(databases, 4, MINUTE + timedelta(minutes=5, seconds=1))
    with Session(databases.engine("identity")) as db:
        rows = db.execute(select(PartnerCallCount.operator_id, PartnerCallCount.minute)).all()
    first = int(MINUTE.timestamp()) // 60
    # only the current windows are left: the opening of each one deleted what was older
    # than the window before it
    assert sorted(rows) == [(3, first + 5), (4, first + 5)]


def test_processes_counting_at_once_allow_exactly_a_hundred(env, databases):
    """Three processes (three gateways' worth of calls) race on one operator's window."""
    start_at = time.time() + 3
    bursts = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.partner_call_burst",
                "9",
                "60",
                str(start_at),
                str(MINUTE.timestamp()),
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    allowed = [int(burst.communicate(timeout=90)[0]) for burst in bursts]
    assert all(burst.returncode == 0 for burst in bursts)
    assert sum(allowed) == 100
    with Session(databases.engine("identity")) as db:
        assert db.scalar(select(PartnerCallCount.calls).where(PartnerCallCount.operator_id == 9)) == 180


# -- through the identity service -----------------------------------------------------------


@pytest.fixture
def identity(start_service):
    return start_service(IdentityService)


def test_150_concurrent_calls_through_rpc_allow_exactly_100(identity, env):
    wait_for_a_fresh_window()
    with ServiceRpcProxy("identity", {"AMQP_URI": env["AMQP_URI"]}, timeout=30) as remote:
        pending = [remote.count_partner_call.call_async(11) for _ in range(150)]
        results = [reply.result() for reply in pending]
    assert results.count(None) == 100
    refused = [wait for wait in results if wait is not None]
    assert len(refused) == 50
    assert all(1 <= wait <= 60 for wait in refused)


def test_only_operators_log_in_to_the_partner_api(identity, databases):
    with session_of(databases) as session:
        accounts.create_operator(
            session, NewOperator(email="api@jobirl.example", name="JobIRL"), "mot-de-passe-operateur"
        )
        accounts.signup(
            session,
            SignupRequest(
                email="patron@example.fr",
                password="un-mot-de-passe-solide",
                first_name="Paul",
                last_name="Patron",
                role="employer",
            ),
            confirmed=True,
        )
        session.commit()

    with entrypoint_hook(identity, "partner_login") as partner_login:
        answer = partner_login({"email": "API@jobirl.example", "password": "mot-de-passe-operateur"}, "10.0.0.1")
        assert set(answer) == {"token"}
        claims = session_tokens.read(KEY, answer["token"])
        assert claims.role == "operator"
        assert timedelta(hours=23, minutes=59) < claims.expires_at - datetime.now(UTC) <= timedelta(hours=24)

        for email, password in (
            ("patron@example.fr", "un-mot-de-passe-solide"),  # good password, not an operator
            ("api@jobirl.example", "pas le bon mot de passe"),
            ("personne@example.fr", "pas le bon mot de passe"),
        ):
            with pytest.raises(DomainError) as refused:
                partner_login({"email": email, "password": password})
            assert (status_of(refused.value), refused.value.code) == (401, "INVALID_CREDENTIALS")

    with entrypoint_hook(identity, "login") as v1_login, pytest.raises(DomainError) as v1_refused:
        v1_login({"email": "api@jobirl.example", "password": "mot-de-passe-operateur"})
    assert (status_of(v1_refused.value), v1_refused.value.code) == (401, "INVALID_CREDENTIALS")

    with entrypoint_hook(identity, "is_session_active") as is_active:
        assert is_active(claims.session_id) is True
    with Session(databases.engine("identity")) as db:
        # the v2 login shares the throttling of every login
        assert db.scalar(select(LoginFailure.email).where(LoginFailure.email == "patron@example.fr"))
        operator = db.get(Operator, claims.user_id)
        assert operator is not None and operator.name == "JobIRL"


# -- the command -----------------------------------------------------------------------------


def test_the_command_creates_an_operator_that_can_log_in(identity, env, databases):
    created = create_operator_command(env, "Partenaire@Example.fr", "Mon Stage Partenaire")
    assert created.returncode == 0, created.stderr
    lines = created.stdout.strip().splitlines()
    password = lines[-1]
    assert len(lines) >= 2 and " " not in password and len(password) >= 32
    assert "partenaire@example.fr" in created.stdout

    with Session(databases.engine("identity")) as db:
        user = db.scalars(select(User).where(User.email == "partenaire@example.fr")).one()
        assert (user.role, user.email_confirmed_at is not None) == ("operator", True)
        assert password not in user.password_hash
        assert db.get(Operator, user.id).name == "Mon Stage Partenaire"
        # no confirmation email: nothing in the outbox
        assert db.scalars(select(OutboxMessage)).all() == []

    with entrypoint_hook(identity, "partner_login") as partner_login:
        token = partner_login({"email": "partenaire@example.fr", "password": password})["token"]
    assert session_tokens.read(KEY, token).user_id == user.id

    again = create_operator_command(env, "partenaire@example.fr", "Autre nom")
    assert again.returncode == 1
    assert "partenaire@example.fr" in again.stderr
    assert again.stdout == ""

    invalid = create_operator_command(env, "pas-une-adresse", "Nom")
    assert invalid.returncode == 2
    assert "email" in invalid.stderr
