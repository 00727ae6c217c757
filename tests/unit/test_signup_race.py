"""Two sign-ups with one address at the same moment: the one that loses the race is answered as
any sign-up with an address that has an account, never 409 EMAIL_TAKEN (which would tell who
has an account). On a migrated SQLite file, the other sign-up committed from a second session
right before the first one's insert."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from services.common.contracts.identity import SignupRequest
from services.common.database import UnitOfWork, create_service_engine
from services.identity import accounts
from services.identity.models import OutboxMessage, ProcessedEvent, User
from tests.support.sqlite_transactions import migrated_sqlite

pytestmark = pytest.mark.unit

EMAIL = "lea.roux@boulangerie.example"


def request() -> SignupRequest:
    return SignupRequest(
        email=EMAIL, password="un-mot-de-passe-solide", first_name="Léa", last_name="Roux", role="employer"
    )


def test_the_sign_up_that_loses_the_race_is_answered_as_for_a_taken_address(tmp_path):
    with migrated_sqlite("identity", tmp_path, OutboxMessage, ProcessedEvent) as transaction:
        # The other sign-up's own connection (the file's engine holds one).
        engine = create_service_engine(f"sqlite:///{tmp_path / 'identity.db'}")
        info = {"outbox_model": OutboxMessage, "processed_model": ProcessedEvent}
        other_transaction = UnitOfWork(sessionmaker(engine, expire_on_commit=False, info=info), lambda _s: None)
        raced: list[bool] = []

        def the_other_commits_first(session: Session, *_: object) -> None:
            if raced or not any(isinstance(added, User) for added in session.new):
                return
            raced.append(True)
            with other_transaction.transaction() as other:
                accounts.signup(other, request(), password_hash="x")

        event.listen(Session, "before_flush", the_other_commits_first)
        try:
            answer = accounts.signup_hashed_first(transaction, request(), run_blocking=lambda _hash, _pw: "x")
        finally:
            event.remove(Session, "before_flush", the_other_commits_first)
            engine.dispose()
        assert raced == [True]
        assert answer["email"] == EMAIL
        with transaction() as session:
            assert session.scalar(select(func.count()).select_from(User).where(User.email == EMAIL)) == 1
            # The owner is told someone tried their address (the taken-address answer's event).
            kinds = session.scalars(select(OutboxMessage.event_type)).all()
        assert len(kinds) == 2 and kinds[0] != kinds[1], kinds
