"""RPC throughput, raw and through the gateway: ``python -m bench.rpc`` (or ``make bench-rpc``).

Starts a private platform (own vhost, SQLite under a temporary STATE_DIR), signs in a demo
account, then measures calls per second of the same remote call, ``identity.get_user``,
in ``--rounds`` interleaved rounds of ``--seconds`` each (the median is printed):

- raw nameko RPC from a standalone client, sequential and with ``--concurrency`` in flight;
- a bare nameko ``@http`` → RPC hop (no auth, validation, logging, metrics);
- the gateway's ``GET /api/v1/me`` (bearer auth, validation, JSON log, metrics, RPC timeout).

and prints the gateway's rate as a share of the raw rate at the same concurrency.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import requests
from nameko.standalone.rpc import ServiceRpcProxy

from bench.load import cpu_seconds
from deploy.processes import ROOT, ProcessGroup
from services.common import broker
from services.common.config import (
    DEFAULT_AMQP_URI,
    SERVICES,
)
from services.common.migrations import upgrade
from tests.support.stack import free_port

# Issue 14: the gateway (auth, sessions, logging, metrics) keeps 80% of the raw RPC rate.
TARGET_SHARE = 0.8


def rate(
    make_client: Callable[[], Callable[[], object]], concurrency: int, seconds: float, pid: int | None = None
) -> tuple[float, float]:
    """Calls per second with ``concurrency`` clients each calling in a loop for ``seconds``,
    and the CPU seconds a call cost process ``pid`` (the HTTP front; 0 without one)."""
    clients = [make_client() for _ in range(concurrency)]
    for client in clients:
        client()  # warm up connections
    counts = [0] * concurrency
    stop_at = time.perf_counter() + seconds

    def loop(index: int) -> None:
        client = clients[index]
        while time.perf_counter() < stop_at:
            client()
            counts[index] += 1

    cpu_before = cpu_seconds(pid) if pid else 0.0
    started = time.perf_counter()
    pool = eventlet.GreenPool(concurrency)
    for index in range(concurrency):
        pool.spawn(loop, index)
    pool.waitall()
    elapsed = time.perf_counter() - started
    calls = max(1, sum(counts))
    return calls / elapsed, ((cpu_seconds(pid) - cpu_before) / calls if pid else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each case (median printed)")
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    # A private vhost on the broker of AMQP_URI, removed at the end.
    uri = broker.with_vhost(os.environ.get("AMQP_URI", DEFAULT_AMQP_URI), f"e1s-bench-{uuid.uuid4().hex[:8]}")
    print(broker.ensure_vhost(uri))
    state = Path(tempfile.mkdtemp(prefix="e1s-bench-"))
    os.environ.update({"STATE_DIR": str(state), "AMQP_URI": uri, "LOG_LEVEL": "INFO"})
    for name in SERVICES:
        os.environ.pop(f"DATABASE_URL_{name.upper()}", None)
        upgrade(name)
    from services.identity import demo

    demo.load()
    port = free_port()
    env = {**os.environ, "GATEWAY_PORT": str(port), "MIGRATE_ON_START": "0"}
    group = ProcessGroup(env, state / "logs", port)
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, "-m", "bench.bare_gateway", str(bare_port)], cwd=ROOT, env=env)
    try:
        group.start()
        group.wait_ready(90)
        login = requests.post(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            json={"email": demo.DEMO_ACCOUNTS[0]["email"], "password": demo.DEMO_PASSWORD},
            timeout=10,
        ).json()
        user_id, token = login["user"]["id"], login["token"]

        def raw_client() -> Callable[[], object]:
            proxy = ServiceRpcProxy("identity", {"AMQP_URI": uri}, timeout=10).start()
            return lambda: proxy.get_user(user_id)

        def http_client(url: str, headers: dict[str, str]) -> Callable[[], Callable[[], object]]:
            # http.client on a kept-alive connection: a light client, so that the figures
            # measure the servers rather than the load generator sharing their two cores.
            parsed = urlparse(url)

            def make() -> Callable[[], object]:
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)

                def call() -> object:
                    connection.request("GET", parsed.path, headers=headers)
                    response = connection.getresponse()
                    body = response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{url} answered {response.status}: {body[:200]!r}")
                    return body

                return call

            return make

        bare_client = http_client(f"http://127.0.0.1:{bare_port}/bare/users/{user_id}", {})
        gateway_client = http_client(f"http://127.0.0.1:{port}/api/v1/me", {"Authorization": f"Bearer {token}"})

        # Interleaved rounds, median per case: the machine's background load drifts, and
        # measuring each case once, one after the other, would attribute the drift to it.
        cases = [
            (label, make, concurrency)
            for label, make in (("raw RPC", raw_client), ("bare @http", bare_client), ("gateway", gateway_client))
            for concurrency in (1, args.concurrency)
        ]
        samples: dict[tuple[str, int], list[float]] = {(label, c): [] for label, _, c in cases}
        # The HTTP front's CPU a call: what the gateway's own work costs beside the bare hop's,
        # less noisy than the rates on a shared machine.
        fronts = {"bare @http": bare.pid, "gateway": group.processes["gateway"].pid}
        front_cpu: dict[tuple[str, int], list[float]] = {(label, c): [] for label, _, c in cases}
        for round_number in range(1, args.rounds + 1):
            for label, make, concurrency in cases:
                figure, cpu = rate(make, concurrency, args.seconds, fronts.get(label))
                samples[(label, concurrency)].append(figure)
                front_cpu[(label, concurrency)].append(cpu)
                print(
                    f"round {round_number}: {label:<12} {concurrency:>3} in flight: {figure:8.1f} calls/s", flush=True
                )
        results = {case: statistics.median(figures) for case, figures in samples.items()}

        print()
        print(f"median of {args.rounds} rounds, calls per second")
        print(f"{'':<12} {'sequential':>12} {f'{args.concurrency} in flight':>14}")
        for label in ("raw RPC", "bare @http", "gateway"):
            print(f"{label:<12} {results[(label, 1)]:>12.1f} {results[(label, args.concurrency)]:>14.1f}")
        for label in ("bare @http", "gateway"):
            for concurrency in (1, args.concurrency):
                share = results[(label, concurrency)] / results[("raw RPC", concurrency)]
                print(f"{label} / raw RPC at {concurrency} in flight: {share:.0%}")
        for label in fronts:
            spent = ", ".join(
                f"{statistics.median(front_cpu[(label, c)]) * 1e6:.0f} µs at {c} in flight"
                for c in (1, args.concurrency)
            )
            print(f"{label} process CPU a call (median): {spent}")
        share = results[("gateway", args.concurrency)] / results[("raw RPC", args.concurrency)]
        verdict = "met" if share >= TARGET_SHARE else "NOT met"
        print(f"target: the gateway keeps >= {TARGET_SHARE:.0%} of raw RPC at {args.concurrency} in flight: {verdict}")
    finally:
        bare.terminate()
        bare.wait(10)
        group.stop()
        broker.delete_vhost(uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
