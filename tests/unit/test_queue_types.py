"""``AMQP_QUEUE_TYPE``: which queues it makes quorum queues, and that every entrypoint of the
platform declares its queue through it (``tests/integration/test_quorum_queues.py`` runs it)."""

from __future__ import annotations

import pytest
from kombu import Queue
from nameko.events import EventHandler
from nameko.rpc import Rpc

from services.common import broker, redelivery
from services.common.config import ConfigurationError
from services.common.entrypoints import TypedRpc
from services.common.redelivery import ReliableEventHandler
from tests.unit.test_entrypoints import of_kind

pytestmark = pytest.mark.unit


def test_every_rpc_and_event_handler_declares_its_queue_with_the_setting():
    """One plain ``Rpc`` beside them would make a second consumer of ``rpc-<service>``, declared
    classic, and a quorum platform would not start."""
    rpcs, handlers = of_kind(Rpc), of_kind(EventHandler)
    assert len(rpcs) > 50 and len(handlers) > 20
    assert [name for name, _, entrypoint in rpcs if type(entrypoint) is not TypedRpc] == []
    assert [name for name, _, entrypoint in handlers if type(entrypoint) is not ReliableEventHandler] == []


def test_the_setting_defaults_to_classic_and_refuses_unknown_types(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("AMQP_QUEUE_TYPE", raising=False)
    assert broker.queue_type() == "classic"
    assert broker.durable_queue_arguments() == {}
    monkeypatch.setenv("AMQP_QUEUE_TYPE", " Quorum ")
    assert broker.queue_type() == "quorum"
    monkeypatch.setenv("AMQP_QUEUE_TYPE", "mirrored")
    with pytest.raises(ConfigurationError, match="AMQP_QUEUE_TYPE='mirrored'"):
        broker.queue_type()


def test_only_durable_shared_queues_become_quorum(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AMQP_QUEUE_TYPE", "quorum")
    durable = broker.with_queue_type(Queue("rpc-offers", durable=True, auto_delete=False), delivery_limit=7)
    assert durable.queue_arguments == {"x-queue-type": "quorum", "x-delivery-limit": 7}
    # nameko's reply queues and broadcast queues without reliable delivery: a quorum queue can be
    # neither exclusive nor auto-delete.
    for kept in (
        Queue("rpc.reply-gateway-1", durable=True, auto_delete=True, queue_arguments={"x-expires": 300000}),
        Queue("evt-identity-session_revoked--gateway.on_session_revoked-1", exclusive=True, auto_delete=True),
    ):
        assert broker.with_queue_type(kept).queue_arguments in ({"x-expires": 300000}, None)


def test_the_broker_drops_no_event_before_the_handler_dead_letters_it():
    """RabbitMQ 4 drops a message after 20 returns unless told otherwise; MAX_ATTEMPTS is 30. The
    limit is a queue argument, fixed once declared: raise MAX_ATTEMPTS below it, or move the queues."""
    assert redelivery.DELIVERY_LIMIT >= 2 * redelivery.MAX_ATTEMPTS
