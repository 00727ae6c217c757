"""``AMQP_QUEUE_TYPE=quorum`` (production, issue 14): a service's RPC queue, its event handlers'
queues and its dead-letter queue are quorum queues on the real broker, the reply and broadcast
queues stay classic, and an RPC, an event, a poisoned event and a redelivery limit all still work."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import eventlet
import pytest
from nameko.events import BROADCAST
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_waiter

from services.common import broker, dead_letters, redelivery
from services.common.contracts.events import SESSION_REVOKED, USER_SIGNED_UP
from services.common.entrypoints import rpc
from services.common.redelivery import reliable_handler
from tests.support.dead_letters import wait_for_letters
from tests.support.events import publish_event
from tests.support.vhosts import private_vhost

pytestmark = [pytest.mark.integration, pytest.mark.sqlite_pass_only]

SERVICE = "quorum_probe"
MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of this module's own: a classic queue of the same name elsewhere would make the
    broker refuse the quorum one."""
    with private_vhost(amqp_uri, "e1s-test-quorum") as uri:
        yield uri


class Seen:
    applied: list[str] = []  # noqa: RUF012 - shared with the running container on purpose
    flaky_deliveries = 0
    mended = False


class QuorumProbe:
    """One RPC, one pooled handler (applies, refuses a poisoned payload, or fails for a while),
    one broadcast handler without reliable delivery (as the gateway's ``on_session_revoked``)."""

    name = SERVICE

    @rpc
    def echo(self, value: str) -> str:
        return value

    @reliable_handler("identity", USER_SIGNED_UP)
    def on_user_signed_up(self, event: dict[str, Any]) -> None:
        data = event["data"]
        if "email" not in data:
            raise KeyError("email")  # poisoned: no retry changes it
        if data.get("flaky") and not Seen.mended:
            Seen.flaky_deliveries += 1
            # As a restart or another replica would: this process forgets its count before the next
            # delivery (once the wrapper has noted this failure and paused), so only the broker's
            # x-delivery-count can end the loop.
            eventlet.spawn(redelivery._attempts.clear)
            raise RemoteError("OperationalError", "the other service's database is away")
        Seen.applied.append(event["event_id"])

    @reliable_handler("identity", SESSION_REVOKED, handler_type=BROADCAST, reliable_delivery=False)
    def on_session_revoked(self, event: dict[str, Any]) -> None:
        Seen.applied.append(event["event_id"])


def test_quorum_queues_carry_rpc_events_and_dead_letters(
    env: dict[str, str], amqp_uri: str, start_service: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMQP_QUEUE_TYPE", "quorum")
    monkeypatch.setattr(redelivery, "REQUEUE_PAUSE_SECONDS", 0.05)
    monkeypatch.setattr(redelivery, "MAX_ATTEMPTS", MAX_ATTEMPTS)
    container = start_service(QuorumProbe)

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as cluster:
        assert getattr(cluster, SERVICE).echo("bonjour") == "bonjour"
        with entrypoint_waiter(container, "on_user_signed_up"):
            applied = publish_event(amqp_uri, "identity", USER_SIGNED_UP, {"email": "zoe@example.fr"})
        with entrypoint_waiter(container, "on_session_revoked"):
            revoked = publish_event(amqp_uri, "identity", SESSION_REVOKED, {"session_id": "s1"})
        assert Seen.applied == [applied, revoked]

        poisoned = publish_event(amqp_uri, "identity", USER_SIGNED_UP, {"user_id": 12})
        [letter] = wait_for_letters(SERVICE, 1)
        assert (letter.event_id, letter.attempts, letter.error) == (poisoned, 1, "KeyError: 'email'")

        flaky = publish_event(amqp_uri, "identity", USER_SIGNED_UP, {"email": "a@example.fr", "flaky": True})
        [_, letter] = wait_for_letters(SERVICE, 2)
        assert (letter.event_id, letter.attempts, Seen.flaky_deliveries) == (flaky, MAX_ATTEMPTS, MAX_ATTEMPTS)
        assert letter.error.startswith("RemoteError")

        Seen.mended = True
        with entrypoint_waiter(container, "on_user_signed_up"):
            assert [replayed.event_id for replayed in dead_letters.replay(SERVICE, flaky)] == [flaky]
        assert Seen.applied == [applied, revoked, flaky]
        assert [letter.event_id for letter in dead_letters.listing(SERVICE)] == [poisoned]

        types = broker.queue_types(amqp_uri)

    handlers = f"evt-identity-{USER_SIGNED_UP}--{SERVICE}.on_user_signed_up"
    durable = {name: types.pop(name) for name in (f"rpc-{SERVICE}", handlers, dead_letters.queue_name(SERVICE))}
    assert durable == dict.fromkeys(durable, "quorum")
    # What is left: the proxy's reply queue and the broadcast queue, exclusive or auto-delete.
    assert sorted(name.split("-")[0] for name in types) == ["evt", "rpc.reply"]
    assert set(types.values()) == {"classic"}
    time.sleep(0.3)
    assert Seen.flaky_deliveries == MAX_ATTEMPTS  # no delivery after the dead letter
