"""The whole platform on one machine: ``make run`` (or ``python -m deploy.local``).

Checks the broker (starts a local ``rabbitmq-server`` if it is installed and down), creates
the vhost named in ``AMQP_URI``, migrates every database, loads the demo data, starts the
five services and the gateway as separate processes, waits until the gateway says ready,
restarts a process that dies (with backoff: ``deploy.restarts``) while the others keep serving,
adds the demo activity through the gateway's API (``deploy.demo_activity``: once, while the
demo employer has no offer), prints the URL and the demo accounts, and stops everything
cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from types import FrameType

from deploy.processes import ProcessGroup
from services.common import broker
from services.common.config import SERVICES, Settings, amqp_uri, state_dir
from services.common.migrations import upgrade


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


ADDRESS_INDEX_WAIT_SECONDS = 120.0


def wait_for_address_suggestions(base_url: str) -> None:
    """Wait until an address suggestion answers: the gateway prepares the offline communes' index as
    it starts (once per ``STATE_DIR``, a few seconds), and a suggestion asked meanwhile answers 503."""
    say("address suggestions: waiting for the communes' index")
    url = f"{base_url}/api/v1/places/suggestions?q=Paris"  # our own gateway, over http
    deadline = time.monotonic() + ADDRESS_INDEX_WAIT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310
                answer.read()
            return
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or time.monotonic() > deadline:
                say(f"address suggestions not ready yet ({exc}): the first ones will wait for the index")
                return
        except (urllib.error.URLError, OSError) as exc:
            say(f"address suggestions not ready yet ({exc}): the first ones will wait for the index")
            return
        time.sleep(1)


def main() -> int:
    settings = Settings.from_env()
    uri = amqp_uri()
    ensure_broker(uri)
    say(broker.ensure_vhost(uri))
    state = state_dir()
    for service in SERVICES:
        upgrade(service)
    say("database schemas up to date")

    from deploy import demo_activity
    from services.identity import demo
    from services.matching import import_schools

    demo_lines = demo.load()
    say(import_schools.load_default())

    env = {**os.environ, "STATE_DIR": str(state), "MIGRATE_ON_START": "0", "PYTHONUNBUFFERED": "1"}
    group = ProcessGroup(env, state / "logs", settings.gateway_port, detach=True)
    stopping = False

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return_code = 0
    try:
        group.start()
        say("started " + ", ".join(f"{name} (pid {p.pid})" for name, p in group.processes.items()))
        group.wait_ready()

        def prepare() -> None:
            demo_activity.run(f"http://127.0.0.1:{settings.gateway_port}", settings.public_url, state, say)
            wait_for_address_suggestions(f"http://127.0.0.1:{settings.gateway_port}")
            say(f"ready: {settings.public_url}  (API docs: {settings.public_url}/api/docs)")
            say(f"state in {state}; emails in {state / 'outbox' / 'mail'}; logs in {group.logs}")
            say("demo accounts (role, email, password):")
            for line in demo_lines:
                print(f"      {line}", flush=True)
            say("Ctrl-C stops everything")

        # Beside the supervision: a process that dies while the demo activity is added comes back too.
        threading.Thread(target=prepare, name="demo-activity", daemon=True).start()
        while not stopping:
            for line in group.supervise():
                say(line)
            time.sleep(0.2)
    except RuntimeError as exc:
        say(str(exc))
        return_code = 1
    finally:
        say("stopping")
        group.stop()
        say("stopped")
    return return_code


if __name__ == "__main__":
    sys.exit(main())
