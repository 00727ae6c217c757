"""One platform for the fault tests, started as ``make run`` starts it (``ProcessGroup``), on
its own vhost, databases and ``STATE_DIR``: the faults these tests cause reach nothing else."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common import broker
from services.common.config import SERVICES
from tests.support.databases import DatabaseSet
from tests.support.stack import Stack

GATEWAY_TIMEOUT = 10.0
"""The gateway's deadline for a service's answer (``TimedRpcProxy``'s default): a 503 comes
this late. ``RPC_TIMEOUT`` does not change it: ``config.nameko_config`` does not pass it on."""

SLOW_CLIENT_TIMEOUT = 3.0
"""The gateway's socket, keep-alive and body timeouts here (``gateway.web_server``), shorter
than in production so that the test sees them end."""


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    uri = broker.with_vhost(amqp_uri, f"e1s-faults-{uuid.uuid4().hex[:8]}")
    broker.ensure_vhost(uri)
    folder: Path = tmp_path_factory.mktemp("faults")
    dbs = DatabaseSet.create(os.environ.get("TEST_DATABASE", "sqlite"), "faults", SERVICES, folder)
    timeouts = {f"GATEWAY_{name}_TIMEOUT": str(SLOW_CLIENT_TIMEOUT) for name in ("SOCKET", "KEEPALIVE", "BODY")}
    env = {"AMQP_URI": uri, "MIGRATE_ON_START": "0", **timeouts, **dbs.env()}
    env.pop("SECRET_KEY", None)
    running = Stack(env, folder / "state")
    try:
        running.start()
        running.wait_ready(60)
        yield running
    finally:
        running.stop()
        dbs.drop()
        broker.delete_vhost(uri)
