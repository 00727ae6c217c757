"""Which handler errors put their event back on the queue (no broker, no database)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from services.common import redelivery
from services.common.errors import DomainError, service_unavailable, validation_error

pytestmark = pytest.mark.unit


def test_what_may_pass_is_retried_and_what_would_fail_again_is_not():
    assert redelivery.is_transient(service_unavailable("identity"))
    assert redelivery.is_transient(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    assert redelivery.is_transient(ConnectionError())
    assert not redelivery.is_transient(validation_error({"x": ["y"]}))
    assert not redelivery.is_transient(KeyError("data"))


def test_a_transient_error_is_raised_for_nameko_to_requeue_and_a_bug_is_dropped(monkeypatch):
    monkeypatch.setattr(redelivery, "REQUEUE_PAUSE_SECONDS", 0)
    calls = []

    def handler(self, event):
        calls.append(event["event_id"])
        raise event["error"]

    wrapped = redelivery.requeue_while_unavailable(handler)
    with pytest.raises(DomainError):
        wrapped(None, {"event_id": "1", "error": service_unavailable("identity")})
    assert wrapped(None, {"event_id": "2", "error": KeyError("data")}) is None
    assert calls == ["1", "2"]
