"""A poisoned event (a payload no handler can apply) stops after a bounded number of attempts:
it lands on its service's dead-letter queue on the real broker, logged with its id and counted
in the gateway's ``/metrics``; the command lists it, and replays it once the cause is mended."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from nameko.exceptions import RemoteError
from nameko.testing.services import entrypoint_waiter

from gateway import observability
from services.common import dead_letters, redelivery
from services.common.contracts.events import USER_SIGNED_UP
from services.common.redelivery import reliable_handler
from services.notifications.service import NotificationsService
from tests.support.dead_letters import wait_for_letters
from tests.support.events import publish_event
from tests.support.vhosts import private_vhost

pytestmark = [pytest.mark.integration, pytest.mark.sqlite_pass_only]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of this module's own: its dead-letter and handler queues are durable."""
    with private_vhost(amqp_uri, "e1s-test-dead-letters") as uri:
        yield uri


def queued(amqp_uri: str, queue: str) -> int:
    with Connection(amqp_uri) as connection:
        _, messages, _ = connection.default_channel.queue_declare(queue, passive=True)
    return int(messages)


def test_a_signup_event_no_handler_can_apply_is_dead_lettered_logged_counted_and_listed(
    env: dict[str, str], amqp_uri: str, start_service: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    container = start_service(NotificationsService)
    poisoned = {"user_id": "douze", "first_name": "Zoé"}  # no email, no token: no mail can be written

    with caplog.at_level(logging.ERROR, logger="services.common.redelivery"):
        with entrypoint_waiter(container, "on_user_signed_up"):
            event_id = publish_event(amqp_uri, "identity", USER_SIGNED_UP, poisoned)
        [letter] = wait_for_letters("notifications", 1)

    assert (letter.event_id, letter.event["data"], letter.attempts) == (event_id, poisoned, 1)
    assert (letter.source, letter.event_type, letter.method) == ("identity", USER_SIGNED_UP, "on_user_signed_up")
    assert letter.error.startswith("ValidationError")
    assert any(event_id in record.getMessage() and "dead-lettered" in record.getMessage() for record in caplog.records)
    # Not looping: its handler's queue is empty and the event was not delivered again.
    time.sleep(0.5)
    assert queued(amqp_uri, letter.handler_queue) == 0
    assert not list((Path(env["STATE_DIR"]) / "outbox" / "mail").glob("*.eml"))

    metrics, _ = observability.exposition()
    assert 'event_dead_letters{service="notifications"} 1.0' in metrics.decode()

    listed = subprocess.run(
        [sys.executable, "-m", "services.common.dead_letters", "list", "--service", "notifications"],
        cwd=ROOT,
        env={**os.environ, "AMQP_URI": amqp_uri},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert f"event {event_id} (identity.{USER_SIGNED_UP}) -> notifications.on_user_signed_up" in listed.stdout
    assert "1 dead letter(s) for notifications" in listed.stderr
    assert len(dead_letters.listing("notifications")) == 1  # listing leaves them waiting


class Mended:
    """Whether the failing dependency has been repaired (the operator's fix, in this test)."""

    done = False
    applied: list[str] = []  # noqa: RUF012 - shared with the running container on purpose
    attempts = 0


class FlakyService:
    """A handler whose dependency fails on every call until it is mended."""

    name = "flaky"

    @reliable_handler("identity", USER_SIGNED_UP)
    def on_user_signed_up(self, event: dict[str, Any]) -> None:
        if not Mended.done:
            Mended.attempts += 1
            raise RemoteError("IntegrityError", "the other service fails on this payload")
        Mended.applied.append(event["event_id"])


def test_an_event_failing_on_every_delivery_stops_after_the_bounded_attempts_and_replays_once_mended(
    env: dict[str, str], amqp_uri: str, start_service: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redelivery, "REQUEUE_PAUSE_SECONDS", 0.05)
    monkeypatch.setattr(redelivery, "MAX_ATTEMPTS", 4)
    container = start_service(FlakyService)

    event_id = publish_event(amqp_uri, "identity", USER_SIGNED_UP, {"user_id": 7, "email": "a@example.fr"})
    [letter] = wait_for_letters("flaky", 1)

    assert (letter.event_id, letter.attempts, Mended.attempts) == (event_id, 4, 4)
    assert letter.error.startswith("RemoteError")
    time.sleep(0.5)
    assert Mended.attempts == 4  # no fifth delivery
    assert queued(amqp_uri, letter.handler_queue) == 0

    Mended.done = True
    with entrypoint_waiter(container, "on_user_signed_up"):
        [replayed] = dead_letters.replay("flaky", event_id)

    assert replayed.event_id == event_id
    assert Mended.applied == [event_id]
    assert dead_letters.listing("flaky") == []
    assert dead_letters.replay("flaky") == []  # nothing left to replay
