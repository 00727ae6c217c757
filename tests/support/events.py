"""Events published on the bus as a service's outbox relay publishes them."""

from __future__ import annotations

import uuid
from typing import Any

from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange

from services.common.contracts.events import envelope
from services.common.database import utcnow


def publish_event(
    amqp_uri: str, source: str, event_type: str, data: dict[str, Any], event_id: str | None = None
) -> str:
    """Publish ``data`` as ``source``'s ``OutboxRelay`` does: on ``<source>.events``, the type as
    routing key, the envelope as body. Returns the event id (a new one unless ``event_id`` is given:
    pass it again to play a redelivery)."""
    event_id = event_id or str(uuid.uuid4())
    exchange = get_event_exchange(source, {})
    publisher = Publisher(amqp_uri, serializer="json", declare=[exchange])
    body = envelope(event_id, event_type, utcnow().isoformat(), data)
    publisher.publish(body, exchange=exchange, routing_key=event_type)
    return event_id
