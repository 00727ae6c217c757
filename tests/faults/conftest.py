"""One platform for the fault tests, started as ``make run`` starts it (``ProcessGroup``), on
its own vhost, databases and ``STATE_DIR``: the faults these tests cause reach nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, private_stack

GATEWAY_TIMEOUT = 10.0
"""The gateway's deadline for a service's answer (``RPC_TIMEOUT``, passed to the platform below):
a 503 for a service that stops answering in the middle of a call comes this late. A service
with no process at all is answered 503 at once (``services.common.rpc``)."""

SLOW_CLIENT_TIMEOUT = 3.0
"""The gateway's socket, keep-alive and body timeouts here (``gateway.web_server``), shorter
than in production so that the test sees them end."""


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    timeouts = {f"GATEWAY_{name}_TIMEOUT": str(SLOW_CLIENT_TIMEOUT) for name in ("SOCKET", "KEEPALIVE", "BODY")}
    # Named, so that no RPC_TIMEOUT left in the environment by another test changes it.
    timeouts["RPC_TIMEOUT"] = str(GATEWAY_TIMEOUT)
    with private_stack(amqp_uri, tmp_path_factory.mktemp("faults"), "faults", timeouts) as running:
        yield running
