"""A private vhost beside the suite's, for tests whose durable queues must not be shared."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.common import broker


@contextmanager
def private_vhost(amqp_uri: str, prefix: str) -> Iterator[str]:
    """A fresh vhost ``<prefix>-<random>`` on ``amqp_uri``'s broker, deleted on leaving.

    Used by a module's own ``amqp_uri`` fixture, of whatever scope the module needs::

        @pytest.fixture(scope="module")
        def amqp_uri(amqp_uri: str) -> Iterator[str]:
            with private_vhost(amqp_uri, "e1s-test-something") as uri:
                yield uri
    """
    uri = broker.with_vhost(amqp_uri, f"{prefix}-{uuid.uuid4().hex[:8]}")
    outcome = broker.ensure_vhost(uri)
    if "ready" not in outcome:
        pytest.fail(outcome)
    try:
        yield uri
    finally:
        broker.delete_vhost(uri)
