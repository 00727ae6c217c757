"""The transactional outbox: a committed change always yields its event, exactly once to each
handler; a rolled-back one never does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.contracts import events
from services.common.database import Database
from services.common.outbox import emit
from services.identity.models import OutboxMessage, ProcessedEvent
from services.identity.service import IdentityService
from tests.support.crash_before_publish import CRASH_CODE
from tests.support.listener import IdentityEventsListener

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_an_event_committed_before_a_crash_is_published_once_after_restart(start_service, databases, env):
    IdentityEventsListener.received.clear()
    listener = start_service(IdentityEventsListener)

    crashed = subprocess.run(
        [sys.executable, "-m", "tests.support.crash_before_publish"], cwd=ROOT, env={**env, "PATH": ""}, check=False
    )
    assert crashed.returncode == CRASH_CODE
    with Session(databases.engine("identity")) as db:
        pending = db.scalars(select(OutboxMessage)).one()
        assert pending.event_type == events.USER_SIGNED_UP
        assert pending.published_at is None
    assert IdentityEventsListener.received == []

    with entrypoint_waiter(listener, "on_user_signed_up", timeout=10):
        identity = start_service(IdentityService)
    delivered = IdentityEventsListener.of_type(events.USER_SIGNED_UP)
    assert [e["data"]["email"] for e in delivered] == ["crash@example.fr"]
    assert delivered[0]["event_id"] == pending.event_id

    # Another restart finds nothing left to publish.
    identity.stop()
    start_service(IdentityService)
    with Session(databases.engine("identity")) as db:
        assert db.scalar(select(func.count()).where(OutboxMessage.published_at.is_(None))) == 0
    assert len(IdentityEventsListener.of_type(events.USER_SIGNED_UP)) == 1


class EmittingService:
    """A service whose only method emits an event and then fails."""

    name = "emitting"
    db = Database("identity", OutboxMessage, ProcessedEvent)

    @rpc
    def emit_then_fail(self) -> None:
        with self.db.transaction() as session:
            emit(
                session,
                events.EMAIL_CONFIRMED,
                events.EmailConfirmed(user_id=1, email="rollback@example.fr"),
            )
            raise RuntimeError("the change fails after emitting")


def test_a_rolled_back_change_emits_nothing(container_factory, nameko_config, databases):
    container = container_factory(EmittingService, nameko_config)
    container.start()
    with entrypoint_hook(container, "emit_then_fail") as call, pytest.raises(RuntimeError):
        call()
    with Session(databases.engine("identity")) as db:
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
