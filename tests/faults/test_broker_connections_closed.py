"""Every broker connection of a running platform closed by the broker (as an operator or a
RabbitMQ node restart would), under a small load: no 500, and the platform answers again by
itself. Only the connections of the test's own vhost are closed, with ``rabbitmqctl`` (this broker
serves no management API)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter

import eventlet
import pytest
import requests

from services.common import broker
from services.common.config import PROCESSES
from tests.support.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_pass_only]

RECOVERY_SECONDS = 30.0


def vhost_connections(vhost: str) -> list[str]:
    """The broker's connections on ``vhost`` (their Erlang pids, which ``close_connection`` takes)."""
    listed = subprocess.run(
        ["rabbitmqctl", "list_connections", "pid", "vhost", "--silent", "--no-table-headers"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [line.rsplit("\t", 1) for line in listed.stdout.splitlines() if "\t" in line]
    return [pid for pid, row_vhost in rows if row_vhost == vhost]


def close_all(names: list[str]) -> None:
    """``rabbitmqctl close_connection`` for each, all at once."""
    closing = [
        subprocess.Popen(["rabbitmqctl", "close_connection", name, "fault test: closed under load"]) for name in names
    ]
    for process in closing:
        assert process.wait(60) == 0


def search(stack: Stack) -> requests.Response:
    return requests.get(f"{stack.url}/api/v1/offers/search", params={"latitude": 48.85, "longitude": 2.35}, timeout=20)


def test_the_platform_answers_again_by_itself_after_the_broker_closed_all_its_connections(platform: Stack):
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed here: the broker's connections cannot be closed")
    vhost = broker.vhost_of(platform.env["AMQP_URI"])
    seen: Counter[int] = Counter()
    stop = False

    def client() -> None:
        while not stop:
            try:
                seen[search(platform).status_code] += 1
            except requests.RequestException:
                seen[0] += 1
            eventlet.sleep(0.05)

    clients = [eventlet.spawn(client) for _ in range(3)]
    try:
        eventlet.sleep(0.5)
        names = vhost_connections(vhost)
        assert len(names) >= 6  # at least one per process
        closed_at = time.monotonic()
        close_all(names)
        recovered = None
        while time.monotonic() < closed_at + RECOVERY_SECONDS:
            ready = requests.get(f"{platform.url}/health/ready", timeout=5).status_code == 200
            if ready and search(platform).status_code == 200:
                recovered = time.monotonic() - closed_at
                break
            eventlet.sleep(0.2)
    finally:
        stop = True
        for running in clients:
            running.wait()
    after = recovered and round(recovered, 1)
    print(f"\n{len(names)} connections closed; answering again after {after} s; answers: {dict(seen)}")

    assert recovered is not None, f"not answering {RECOVERY_SECONDS} s after the connections closed: {seen}"
    assert set(seen) <= {200, 503}, seen
    assert all(process.poll() is None for process in platform.processes.values())
    reconnected = set(vhost_connections(vhost)) - set(names)
    assert len(reconnected) >= len(PROCESSES)  # each process opened new connections by itself
