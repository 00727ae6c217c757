"""The whole platform on one machine: ``make run`` (or ``python -m deploy.local``).

Checks the broker (starts a local ``rabbitmq-server`` if it is installed and down), creates
the vhost named in ``AMQP_URI``, migrates every database, loads the demo data, starts the
five services and the gateway as separate processes, waits until the gateway says ready,
prints the URL and the demo accounts, and stops everything cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from services.common import broker
from services.common.config import PROCESSES, SERVICES, Settings, amqp_uri, state_dir
from services.common.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


def say(text: str) -> None:
    print(f"[run] {text}", flush=True)


def ensure_broker(uri: str) -> None:
    """Make sure RabbitMQ answers on ``uri``'s host, starting a local one if possible."""
    base = uri.rsplit("/", 1)[0] + "/"
    if broker.is_reachable(base):
        return
    if shutil.which("rabbitmq-server") is None:
        sys.exit(
            f"RabbitMQ does not answer at {base} and is not installed here.\n"
            "Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server) "
            "or set AMQP_URI to a reachable broker, e.g. AMQP_URI=amqp://user:pass@host:5672/vhost"
        )
    say("RabbitMQ is down: starting rabbitmq-server -detached")
    subprocess.run(["rabbitmq-server", "-detached"], check=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if broker.is_reachable(base):
            return
        time.sleep(1)
    sys.exit(f"RabbitMQ did not come up at {base} within 60 s: see its logs (/var/log/rabbitmq).")


def wait_ready(port: int, processes: dict[str, subprocess.Popen[bytes]]) -> None:
    url = f"http://127.0.0.1:{port}/health/ready"
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {process.returncode}: see {state_dir() / 'logs'}/{name}.log"
                )
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the platform was not ready within {READY_TIMEOUT:.0f} s: see {state_dir() / 'logs'}")


def stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, process in processes.items():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop within {STOP_TIMEOUT:.0f} s: killing it")
            process.kill()
            process.wait()


def main() -> int:
    settings = Settings.from_env()
    uri = amqp_uri()
    ensure_broker(uri)
    say(broker.ensure_vhost(uri))
    state = state_dir()
    logs = state / "logs"
    logs.mkdir(exist_ok=True)
    for service in SERVICES:
        upgrade(service)
    say("database schemas up to date")

    from services.identity import demo

    demo_lines = demo.load()

    env = {**os.environ, "STATE_DIR": str(state), "MIGRATE_ON_START": "0", "PYTHONUNBUFFERED": "1"}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        for name in PROCESSES:
            log = (logs / f"{name}.log").open("ab")
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", "services.common.runner", name],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Ctrl-C reaches only this runner, which then stops the children in order
                start_new_session=True,
            )
        say("started " + ", ".join(f"{name} (pid {p.pid})" for name, p in processes.items()))
        wait_ready(settings.gateway_port, processes)
        say(f"ready: {settings.public_url}  (API docs: {settings.public_url}/api/docs)")
        say(f"state in {state}; emails in {state / 'outbox' / 'mail'}; logs in {logs}")
        say("demo accounts (role, email, password):")
        for line in demo_lines:
            print(f"      {line}", flush=True)
        say("Ctrl-C stops everything")
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    say(f"{name} exited with code {process.returncode}: stopping the platform (see {logs}/{name}.log)")
                    stopping = True
            time.sleep(0.5)
        return_code = 0 if all(p.poll() is None for p in processes.values()) else 1
    except RuntimeError as exc:
        say(str(exc))
        return_code = 1
    finally:
        say("stopping")
        stop_all(processes)
        say("stopped")
    return return_code


if __name__ == "__main__":
    sys.exit(main())
