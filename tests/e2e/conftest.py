"""One running platform per test session, on its own vhost and databases."""

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


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    uri = broker.with_vhost(amqp_uri, f"e1s-e2e-{uuid.uuid4().hex[:8]}")
    broker.ensure_vhost(uri)
    folder: Path = tmp_path_factory.mktemp("e2e")
    dbs = DatabaseSet.create(os.environ.get("TEST_DATABASE", "sqlite"), "e2e", SERVICES, folder)
    env = {"AMQP_URI": uri, "MIGRATE_ON_START": "0", "RPC_TIMEOUT": "5", **dbs.env()}
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
