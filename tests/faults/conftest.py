"""One platform for the fault tests, started as ``make run`` starts it (``ProcessGroup``), on
its own vhost, databases and ``STATE_DIR``: the faults these tests cause reach nothing else. On
PostgreSQL its processes reach the server through a proxy that a test cuts (``database_proxy``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.support.databases import DEFAULT_POSTGRES_URL
from tests.support.stack import Stack, private_stack
from tests.support.tcp_proxy import TcpProxy, tcp_proxy

GATEWAY_TIMEOUT = 10.0
"""The gateway's deadline for a service's answer (``RPC_TIMEOUT``, passed to the platform below):
a 503 for a service that stops answering in the middle of a call comes this late. A service
with no process at all is answered 503 at once (``services.common.rpc``)."""

SLOW_CLIENT_TIMEOUT = 3.0
"""The gateway's socket, keep-alive and body timeouts here (``gateway.web_server``), shorter
than in production so that the test sees them end."""


@pytest.fixture(scope="session")
def database_proxy() -> Iterator[TcpProxy | None]:
    """On PostgreSQL, the proxy through which the platform below reaches its databases, for a
    test to cut (``test_database_outage``); None on SQLite, whose files have no outage."""
    if os.environ.get("TEST_DATABASE", "sqlite") != "postgresql":
        yield None
        return
    server = sa.engine.make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    with tcp_proxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def platform(
    tmp_path_factory: pytest.TempPathFactory, amqp_uri: str, database_proxy: TcpProxy | None
) -> Iterator[Stack]:
    timeouts = {f"GATEWAY_{name}_TIMEOUT": str(SLOW_CLIENT_TIMEOUT) for name in ("SOCKET", "KEEPALIVE", "BODY")}
    # Named, so that no RPC_TIMEOUT left in the environment by another test changes it.
    timeouts["RPC_TIMEOUT"] = str(GATEWAY_TIMEOUT)
    folder = tmp_path_factory.mktemp("faults")
    port = database_proxy.port if database_proxy is not None else None
    with private_stack(amqp_uri, folder, "faults", timeouts, database_port=port) as running:
        yield running
