"""``kill -9`` of each process of a running platform, in turn, under a small load: the launcher
restarts it, clients meanwhile get their answer late or a 503 with ``Retry-After`` (or, for the
gateway itself, a refused connection), never a 500 nor a hang, and nothing the platform said it
did is lost.

The services are killed a second apart, each restarted by ``ProcessGroup.supervise`` (the loop of
``make run``), so that their restarts overlap and the test stays short; the gateway goes last.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import eventlet
import pytest
import requests

from deploy.restarts import Backoff
from services.common.config import SERVICES
from tests.faults.conftest import GATEWAY_TIMEOUT
from tests.support.mailbox import messages_to
from tests.support.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_pass_only]

PASSWORD = "un-mot-de-passe-solide"
# The gateway gives up on a service after its deadline; the margin is for a busy machine.
SLOWEST_ANSWER = GATEWAY_TIMEOUT + 5.0
ALLOWED = {200, 201, 403, 404, 429, 503}
RECOVERY_SECONDS = 60.0  # a process's start on a busy machine (2 s when quiet)
HELD_DOWN = "identity"
"""Restarted late, as after a crash loop has grown its backoff, so that the clients' calls
answer 503: at once while it has no process, at the gateway's deadline for a call sent just
before the kill."""


@dataclass
class Load:
    """What a few clients saw: statuses per call, slowest answers, refused connections."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    slowest: float = 0.0
    refused: Counter[str] = field(default_factory=Counter)
    without_retry_after: int = 0
    signed_up: list[str] = field(default_factory=list)
    slow: list[tuple[str, int, float, str]] = field(default_factory=list)
    victim: str = ""
    stop: bool = False

    def call(self, name: str, method: str, url: str, **options) -> requests.Response | None:
        started = time.monotonic()
        try:
            answer = requests.request(method, url, timeout=SLOWEST_ANSWER + 5, **options)
        except requests.ConnectionError:
            self.refused[self.victim] += 1  # the gateway itself is down: refused at once
            eventlet.sleep(0.05)
            return None
        took = time.monotonic() - started
        self.slowest = max(self.slowest, took)
        if took > 3.0:
            self.slow.append((name, answer.status_code, round(took, 2), self.victim))
        self.statuses[name, answer.status_code] += 1
        if answer.status_code == 503 and not answer.headers.get("Retry-After", "").isdigit():
            self.without_retry_after += 1
        return answer

    def client(self, url: str, number: int) -> None:
        while not self.stop:
            email = f"faults-{number}-{uuid.uuid4().hex[:8]}@example.fr"
            body = {"email": email, "password": PASSWORD, "first_name": "Léa", "last_name": "Roux", "role": "employer"}
            created = self.call("signup", "POST", f"{url}/api/v1/auth/signup", json=body)
            if created is None or created.status_code != 201:
                eventlet.sleep(0.1)  # a 503 for a service that is down comes at once
                continue
            self.signed_up.append(email)
            self.call("login", "POST", f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            self.call("search", "GET", f"{url}/api/v1/offers/search", params={"latitude": 48.85, "longitude": 2.35})
            self.call("offer", "GET", f"{url}/api/v1/offers/999999/preview")
            self.call("link", "GET", f"{url}/api/v1/signatures/link", params={"token": "x" * 20})
            eventlet.sleep(0.1)


def service_states(stack: Stack) -> dict[str, str]:
    """Each service's answer to the gateway's readiness ping (empty while the gateway is away)."""
    try:
        return requests.get(f"{stack.url}/health/ready", timeout=5).json().get("services", {})
    except (requests.RequestException, ValueError):
        return {}


def kill(stack: Stack, name: str) -> int:
    pid = stack.processes[name].pid
    os.kill(pid, signal.SIGKILL)
    return pid


@pytest.mark.timeout(300)
def test_each_process_killed_in_turn_comes_back_while_clients_get_503s_and_nothing_is_lost(platform: Stack):
    load = Load()
    launcher_log: list[str] = []
    killed: dict[str, tuple[int, float]] = {}
    back: dict[str, float] = {}

    def watch(names: tuple[str, ...]) -> None:
        """The launcher's loop, until every killed process of ``names`` is back and answering."""
        deadline = time.monotonic() + RECOVERY_SECONDS
        while time.monotonic() < deadline and not all(name in back for name in names):
            launcher_log.extend(platform.supervise())
            states = service_states(platform)
            for name in names:
                restarted = name in killed and platform.processes[name].pid != killed[name][0]
                answering = states.get(name) == "ok" if name in SERVICES else bool(states)
                if name not in back and restarted and answering:
                    back[name] = round(time.monotonic() - killed[name][1], 1)
            eventlet.sleep(0.2)

    platform.backoffs[HELD_DOWN] = Backoff(initial=GATEWAY_TIMEOUT + 1.0, maximum=GATEWAY_TIMEOUT + 1.0)
    clients = [eventlet.spawn(load.client, platform.url, number) for number in range(2)]
    try:
        eventlet.sleep(1.0)
        load.victim = "services"
        for name in SERVICES:
            killed[name] = (kill(platform, name), time.monotonic())
            until = time.monotonic() + 1.0
            while time.monotonic() < until:
                launcher_log.extend(platform.supervise())
                eventlet.sleep(0.1)
        watch(SERVICES)
        load.victim = "gateway"
        killed["gateway"] = (kill(platform, "gateway"), time.monotonic())
        watch(("gateway",))
        load.victim = "none"
        eventlet.sleep(1.0)
    finally:
        load.stop = True
        for client in clients:
            client.wait()
        platform.backoffs.pop(HELD_DOWN, None)
    print(
        f"\nkill -9 to answering again, s ({HELD_DOWN} restarted after {GATEWAY_TIMEOUT + 1.0} s): {back}; "
        f"answers: {dict(load.statuses)}; answers over 3 s (call, status, s, while down): {load.slow}; "
        f"connections refused: {dict(load.refused)}; launcher: {launcher_log}"
    )

    assert set(back) == set(killed), f"not back: {set(killed) - set(back)}; launcher: {launcher_log}"
    assert all(process.poll() is None for process in platform.processes.values())
    assert len([line for line in launcher_log if "killed by signal 9" in line]) == len(killed)
    assert len([line for line in launcher_log if " restarted (pid " in line]) == len(killed)
    assert [line for line in launcher_log if line.startswith("offers ") and "restart #1 in 0.5 s" in line]
    unexpected = {key: count for key, count in load.statuses.items() if key[1] not in ALLOWED}
    assert unexpected == {}, load.statuses
    assert load.slowest <= SLOWEST_ANSWER, f"an answer took {load.slowest:.1f} s"
    assert load.without_retry_after == 0
    assert set(load.refused) <= {"gateway"}  # only the gateway's own gap refuses connections
    # Restarted within the gateway's deadline, a service answers the calls that waited in its
    # queue; the one held down longer answered 503 meanwhile.
    assert load.statuses["signup", 503] + load.statuses["login", 503] > 0, load.statuses
    assert load.signed_up, load.statuses

    # Every sign-up answered 201 exists (its password is checked, its email not yet confirmed)...
    for email in load.signed_up:
        login = requests.post(
            f"{platform.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10
        )
        assert (login.status_code, login.json()["code"]) == (403, "EMAIL_NOT_CONFIRMED"), email
    # ... and got its confirmation email exactly once, once the events waiting in the queue are handled.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(messages_to(platform.state_dir, e) for e in load.signed_up):
        eventlet.sleep(0.3)
    outbox = platform.state_dir / "outbox" / "mail"
    recipients = Counter(
        line.split(":", 1)[1].strip().lower()
        for path in outbox.glob("*.eml")
        for line in path.read_text(errors="replace").splitlines()
        if line.startswith("To:")
    )
    assert {email: recipients[email] for email in load.signed_up} == dict.fromkeys(load.signed_up, 1)
    assert [email for email, count in recipients.items() if count > 1] == []
