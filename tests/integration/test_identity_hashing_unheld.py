"""Argon2 runs while identity holds no database connection (sign-up, login, password reset).

With SQLite each process has one connection: a hash computed while holding it queued every
other login and sign-up of the process behind it (the load bench saw "QueuePool limit of
size 1 overflow 0 reached" and 503s at 20 clients). The runner given to ``accounts`` stands
where ``tpool.execute`` stands in the service; it counts the connections checked out of the
engine's pool while each hash or verification runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import sessionmaker

from gateway.error_statuses import status_of
from services.common.contracts import events
from services.common.contracts.identity import PasswordResetConfirm, SignupRequest
from services.common.database import UnitOfWork, create_service_engine, utcnow
from services.common.errors import DomainError
from services.identity import accounts
from services.identity.models import LoginFailure, OutboxMessage, ProcessedEvent, User
from services.identity.passwords import hash_password

pytestmark = pytest.mark.integration

KEY = "test-secret-key-not-for-production-0123456789"
EMAIL = "alice@boulangerie.example"
PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def engine(env: dict[str, str]) -> Iterator[Engine]:
    """identity's engine as the service builds it (SQLite: one connection, no overflow)."""
    engine = create_service_engine(env["DATABASE_URL_IDENTITY"])
    yield engine
    engine.dispose()


@pytest.fixture
def unit(engine: Engine) -> UnitOfWork:
    factory = sessionmaker(
        engine, expire_on_commit=False, info={"outbox_model": OutboxMessage, "processed_model": ProcessedEvent}
    )
    return UnitOfWork(factory, lambda _session: None)


class Runner:
    """Runs each hash directly, noting how many connections were checked out meanwhile."""

    def __init__(self, engine: Engine, during: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.during = during
        self.held: list[int] = []

    def __call__(self, fn: Callable[..., Any], *args: Any) -> Any:
        self.held.append(self.engine.pool.checkedout())  # type: ignore[attr-defined]
        if self.during is not None:
            self.during()
        return fn(*args)


def signed_up(unit: UnitOfWork, engine: Engine) -> Runner:
    runner = Runner(engine)
    request = SignupRequest(email=EMAIL, password=PASSWORD, first_name="Alice", last_name="Martin", role="employer")
    accounts.signup_hashed_first(unit.transaction, request, runner)
    with unit.transaction() as session:
        session.execute(update(User).where(User.email == EMAIL).values(email_confirmed_at=utcnow()))
    return runner


def test_sign_up_login_and_reset_hash_with_no_connection_held(unit, engine):
    runner = signed_up(unit, engine)
    accounts.login(unit.transaction, EMAIL, PASSWORD, KEY, "203.0.113.7", runner)
    with pytest.raises(DomainError) as wrong:
        accounts.login(unit.transaction, EMAIL, "pas-le-bon-mot-de-passe", KEY, "203.0.113.7", runner)
    with pytest.raises(DomainError) as unknown:
        accounts.login(unit.transaction, "personne@example.fr", PASSWORD, KEY, "203.0.113.7", runner)
    # An address that has an account costs its hash too, outside the transaction as well.
    accounts.signup_hashed_first(
        unit.transaction,
        SignupRequest(email=EMAIL, password="autre-mot-de-passe", first_name="A", last_name="B", role="employer"),
        runner,
    )
    with unit.transaction() as session:
        accounts.request_password_reset(session, EMAIL)
        token = session.scalar(
            select(OutboxMessage.payload).where(OutboxMessage.event_type == events.PASSWORD_RESET_REQUESTED)
        )["reset_token"]
    accounts.reset_password_hashed_first(
        unit.transaction, PasswordResetConfirm(token=token, password="nouveau-mot-de-passe"), runner
    )
    accounts.login(unit.transaction, EMAIL, "nouveau-mot-de-passe", KEY, None, runner)

    assert (wrong.value.code, unknown.value.code) == ("INVALID_CREDENTIALS", "INVALID_CREDENTIALS")
    assert len(runner.held) == 7
    assert runner.held == [0] * 7


def test_a_reset_during_verification_refuses_the_old_password(unit, engine):
    signed_up(unit, engine)

    def reset_meanwhile() -> None:
        with unit.transaction() as session:
            session.execute(
                update(User).where(User.email == EMAIL).values(password_hash=hash_password("nouveau-mot-de-passe"))
            )

    with pytest.raises(DomainError) as refused:
        accounts.login(unit.transaction, EMAIL, PASSWORD, KEY, None, Runner(engine, reset_meanwhile))
    assert refused.value.code == "INVALID_CREDENTIALS"


def test_a_limit_reached_during_verification_holds_the_answer_back(unit, engine):
    """Guesses verified side by side are answered only while the account's limit allows."""
    signed_up(unit, engine)

    def others_fail_meanwhile() -> None:
        with unit.transaction() as session:
            session.add_all(LoginFailure(email=EMAIL, failed_at=utcnow()) for _ in range(10))

    with pytest.raises(DomainError) as refused:
        accounts.login(unit.transaction, EMAIL, PASSWORD, KEY, None, Runner(engine, others_fail_meanwhile))
    assert (refused.value.code, status_of(refused.value)) == ("RATE_LIMITED", 429)
    with unit.transaction() as session:
        # The held-back answer is not counted as one more failure.
        assert len(session.scalars(select(LoginFailure).where(LoginFailure.email == EMAIL)).all()) == 10
