"""Which handler errors put their event back on the queue (no broker, no database)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DatabaseError, OperationalError

from services.common import redelivery
from services.common.errors import DomainError, service_unavailable, validation_error

pytestmark = pytest.mark.unit


def test_what_may_pass_is_retried_and_what_would_fail_again_is_not():
    assert redelivery.is_transient(service_unavailable("identity"))
    assert redelivery.is_transient(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    assert redelivery.is_transient(ConnectionError())
    assert not redelivery.is_transient(validation_error({"x": ["y"]}))
    assert not redelivery.is_transient(KeyError("data"))


def test_a_database_error_on_a_connection_sqlalchemy_saw_drop_is_retried():
    lost = DatabaseError("SELECT 1", {}, Exception("error with status PGRES_TUPLES_OK and no message"))
    assert not redelivery.is_transient(lost)
    lost.connection_invalidated = True
    assert redelivery.is_transient(lost)


def test_a_transient_error_is_requeued_a_bounded_number_of_times_and_a_bug_is_dead_lettered_at_once(monkeypatch):
    monkeypatch.setattr(redelivery, "REQUEUE_PAUSE_SECONDS", 0)
    monkeypatch.setattr(redelivery, "MAX_ATTEMPTS", 3)
    stored = []
    # The broker's side is tested on the real broker (tests/faults/test_poisoned_events.py).
    monkeypatch.setattr(redelivery.dead_letters, "store", lambda *args: stored.append(args))
    calls = []

    def handler(self, event):
        calls.append(event["event_id"])
        raise event["error"]

    wrapped = redelivery.requeue_while_unavailable(handler, "identity", "user_signed_up")
    unavailable = {"event_id": "1", "error": service_unavailable("identity")}
    for _ in range(2):
        with pytest.raises(DomainError):
            wrapped(None, unavailable)
    assert stored == []
    assert wrapped(None, unavailable) is None  # the third failure: set aside, acknowledged
    assert wrapped(None, {"event_id": "2", "error": KeyError("data")}) is None
    assert calls == ["1", "1", "1", "2"]
    assert [(args[0], args[2], args[3], args[4]["event_id"], args[6]) for args in stored] == [
        ("unknown", "identity", "user_signed_up", "1", 3),
        ("unknown", "identity", "user_signed_up", "2", 1),
    ]
    assert redelivery._attempts == {}
