"""Clients that send their headers and never finish their body, or send nothing at all, do not
hold the gateway's workers: ``/health`` still answers at once, and the gateway ends them itself."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.faults.conftest import SLOW_CLIENT_TIMEOUT
from tests.support.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_pass_only]

SLOW_CLIENTS = 30
STALLED_LOGIN = (
    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
    b'Content-Length: 1000\r\n\r\n{"email": "lent@example.fr", '
)


def connect(stack: Stack) -> socket.socket:
    address = urlsplit(stack.url)
    return socket.create_connection((address.hostname, address.port), timeout=SLOW_CLIENT_TIMEOUT + 10)


def test_thirty_clients_stalled_in_their_body_leave_health_answering_and_are_ended(platform: Stack):
    stalled = []
    idle = []
    try:
        for _ in range(SLOW_CLIENTS):
            client = connect(platform)
            client.sendall(STALLED_LOGIN)
            stalled.append(client)
        idle = [connect(platform) for _ in range(5)]
        time.sleep(0.3)  # every one accepted and waiting

        waits = []
        for _ in range(3):
            started = time.monotonic()
            health = requests.get(f"{platform.url}/health", timeout=5)
            waits.append(time.monotonic() - started)
            assert health.status_code == 200
        print(f"\n/health with {SLOW_CLIENTS} stalled bodies and {len(idle)} idle sockets: {max(waits):.3f} s at most")
        assert max(waits) < 1.0

        # The gateway ends them: 408 for a body too slow, the connection closed for a silent one.
        started = time.monotonic()
        for client in stalled:
            answer = client.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
            assert b"REQUEST_TIMEOUT" in answer
        for client in idle:
            assert client.recv(4096) == b""
        assert time.monotonic() - started < SLOW_CLIENT_TIMEOUT + 3
    finally:
        for client in stalled + idle:
            client.close()
    assert requests.get(f"{platform.url}/health", timeout=5).status_code == 200
