"""Events no handler could apply, set aside in one durable queue per service, to read and replay.

``services.common.redelivery`` puts an event here when its handler failed for a reason a retry
would not change, or still failed after ``MAX_ATTEMPTS`` deliveries: the event stops looping
and nothing is lost. An operator reads them, mends the cause, then replays them::

    python -m services.common.dead_letters list --service notifications
    python -m services.common.dead_letters replay --service notifications [--event-id ID]

A replayed event goes back to the queue of the one handler that failed (not to every
subscriber of its type); handlers are idempotent on ``event_id``, so replaying twice is safe.
The gateway's ``/metrics`` shows how many wait per service (``event_dead_letters``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from amqp.exceptions import NotFound
from kombu import Connection, Queue

from services.common import broker
from services.common.config import SERVICES, amqp_uri

QUEUE_PREFIX = "dead-letters-"
CONNECT_TIMEOUT = 3.0


@dataclass(frozen=True)
class DeadLetter:
    """One event set aside: the event as received, where it came from, which handler failed and why."""

    service: str
    method: str
    source: str
    event_type: str
    event: dict[str, Any]
    error: str
    attempts: int
    dead_at: str

    @property
    def event_id(self) -> str:
        return str(self.event.get("event_id"))

    @property
    def handler_queue(self) -> str:
        """The queue nameko consumes for this handler (``nameko.events.EventHandler.setup``)."""
        return f"evt-{self.source}-{self.event_type}--{self.service}.{self.method}"


def queue_name(service: str) -> str:
    return QUEUE_PREFIX + service


def _queue(service: str) -> Queue:
    # Of the type of AMQP_QUEUE_TYPE, with no delivery limit: listing returns every letter to
    # the queue, which a quorum queue counts as a delivery.
    queue = Queue(queue_name(service), exchange="", routing_key=queue_name(service), durable=True)
    return broker.with_queue_type(queue)


def _connection(uri: str) -> Connection:
    # Publisher confirms: ``store`` returns only once the broker holds the dead letter.
    return Connection(uri, connect_timeout=CONNECT_TIMEOUT, transport_options={"confirm_publish": True})


def store(
    service: str, method: str, source: str, event_type: str, event: dict[str, Any], error: BaseException, attempts: int
) -> DeadLetter:
    """Put ``event`` on ``service``'s dead-letter queue; raises if the broker did not take it."""
    letter = DeadLetter(
        service=service,
        method=method,
        source=source,
        event_type=event_type,
        event=event,
        error=f"{type(error).__name__}: {error}"[:2000],
        attempts=attempts,
        dead_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    queue = _queue(service)
    with _connection(amqp_uri()) as connection:
        connection.Producer().publish(
            asdict(letter),
            exchange="",
            routing_key=queue.name,
            declare=[queue],
            serializer="json",
            delivery_mode=2,
            retry=True,
            retry_policy={"max_retries": 3},
        )
    return letter


def _letters(connection: Connection, service: str) -> Iterable[tuple[DeadLetter, Any]]:
    """Each waiting dead letter with its message, unacknowledged: what is not acked goes back
    to the queue, in order, when the channel closes."""
    queue = _queue(service)(connection.default_channel)
    try:
        # Passive: reading works whatever AMQP_QUEUE_TYPE the command runs with (declaring a
        # quorum queue as classic, or the reverse, is refused by the broker).
        queue.queue_declare(passive=True)
    except NotFound:  # no letter was ever stored for this service
        return
    while (message := queue.get(no_ack=False)) is not None:
        yield DeadLetter(**message.decode()), message


def listing(service: str, uri: str | None = None) -> list[DeadLetter]:
    """The dead letters waiting for ``service``, oldest first; they stay in the queue."""
    with _connection(uri or amqp_uri()) as connection:
        return [letter for letter, _ in _letters(connection, service)]


def replay(service: str, event_id: str | None = None, uri: str | None = None) -> list[DeadLetter]:
    """Send ``service``'s dead letters (or only ``event_id``'s) back to their handler's queue,
    taking them off the dead-letter queue; the ones replayed."""
    replayed = []
    with _connection(uri or amqp_uri()) as connection:
        producer = connection.Producer()
        for letter, message in _letters(connection, service):
            if event_id is not None and letter.event_id != event_id:
                continue
            producer.publish(
                letter.event, exchange="", routing_key=letter.handler_queue, serializer="json", delivery_mode=2
            )
            message.ack()
            replayed.append(letter)
    return replayed


def waiting(services: Iterable[str] = SERVICES, uri: str | None = None) -> dict[str, int]:
    """How many dead letters wait per service (0 for a service that never had one)."""
    counts = {}
    with _connection(uri or amqp_uri()) as connection:
        for service in services:
            channel = connection.channel()
            try:
                _, counts[service], _ = channel.queue_declare(queue_name(service), passive=True)
            except Exception:  # the queue does not exist yet; the channel is closed by the broker
                counts[service] = 0
            finally:
                channel.close()
    return counts


def describe(letter: DeadLetter) -> str:
    """One line for an operator."""
    return (
        f"{letter.dead_at}  event {letter.event_id} ({letter.source}.{letter.event_type}) -> "
        f"{letter.service}.{letter.method}, {letter.attempts} attempt(s): {letter.error}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List or replay the events a service's handlers set aside.")
    parser.add_argument("action", choices=("list", "replay"))
    parser.add_argument("--service", required=True, choices=SERVICES)
    parser.add_argument("--event-id", help="replay only this event")
    parser.add_argument("--json", action="store_true", help="list as JSON lines (the whole events)")
    args = parser.parse_args(argv)
    if args.action == "list":
        letters = listing(args.service)
        for letter in letters:
            print(json.dumps(asdict(letter), ensure_ascii=False) if args.json else describe(letter))
        print(f"{len(letters)} dead letter(s) for {args.service}", file=sys.stderr)
        return 0
    replayed = replay(args.service, args.event_id)
    for letter in replayed:
        print("replayed " + describe(letter))
    print(f"{len(replayed)} event(s) replayed to {args.service}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
