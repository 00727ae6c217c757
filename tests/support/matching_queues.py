"""Matching's queues of offer events, emptied before a test that starts matching."""

from __future__ import annotations

import contextlib

from kombu import Connection

from services.common.contracts import offers as contract

# The offer events matching hears, and the handler of each (its queue's name ends with it).
HANDLERS = {
    contract.OFFER_PUBLISHED: "on_offer_published",
    contract.OFFER_UPDATED: "on_offer_updated",
    contract.OFFER_UNPUBLISHED: "on_offer_unpublished",
    contract.OFFER_DELETED: "on_offer_deleted",
}


def purge_offer_events(amqp_uri: str) -> None:
    """Drop the offer events earlier tests left in matching's queues: the databases are emptied
    between tests and offer ids come again, so a late event would stand for another offer."""
    with Connection(amqp_uri) as connection:
        for event_type, method in HANDLERS.items():
            channel = connection.channel()
            # A queue not declared yet has nothing to drop (the broker refuses, closing the channel).
            with contextlib.suppress(Exception):
                channel.queue_purge(f"evt-offers-{event_type}--matching.{method}")
            with contextlib.suppress(Exception):
                channel.close()
