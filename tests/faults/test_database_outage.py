"""PostgreSQL unreachable for 10 s under a small load, with nobody stepping in: clients get fast
503s with ``Retry-After`` meanwhile (never a 500, never a hang past the gateway's deadline), the
platform answers normally again by itself soon after, without a restart, and nothing it
answered 201 is lost: each sign-up is in the database and got its email exactly once.

The platform's processes reach PostgreSQL through a TCP proxy (``database_proxy``) that the test
cuts (their connections closed, new ones refused, as a server restart or a network partition
does) and restores; the test itself reads the database directly. PostgreSQL only: SQLite is a
file, it has no outage.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter

import eventlet
import pytest
import requests
import sqlalchemy as sa

from tests.faults.conftest import GATEWAY_TIMEOUT
from tests.faults.test_process_killed import PASSWORD, Load
from tests.support.mailbox import messages_to
from tests.support.stack import Stack
from tests.support.tcp_proxy import TcpProxy

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("TEST_DATABASE", "sqlite") != "postgresql",
        reason="a database outage needs a database server: run with TEST_DATABASE=postgresql",
    ),
]

OUTAGE_SECONDS = 10.0
SLOWEST_ANSWER = GATEWAY_TIMEOUT + 5.0  # the margin is for a busy machine
ALLOWED = {200, 201, 403, 404, 429, 503}
RECOVERY_SECONDS = 15.0
"""Bound on the time from the database's return to a sign-up answered 201: the services'
pools find their dead connections at the next checkout (``pool_pre_ping``)."""
MAIL_SECONDS = 20.0
"""Bound on the time for the last email after that: an event whose handler failed during the
outage comes back every ``REQUEUE_PAUSE_SECONDS`` (2 s)."""


def read(load: Load, url: str, email: str) -> None:
    """A client reading, beside the sign-ups: a login, an offer through the API and as a page."""
    while not load.stop:
        load.call("login", "POST", f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        load.call("offer", "GET", f"{url}/api/v1/offers/999999/preview")
        load.call("offer page", "GET", f"{url}/offres/999999")
        eventlet.sleep(0.1)


def first_sign_up(url: str, within: float) -> tuple[str, float] | None:
    """The email of the first sign-up answered 201, tried again and again for ``within``
    seconds, and the seconds it took; None if none was."""
    started = time.monotonic()
    while time.monotonic() < started + within:
        email = f"probe-{uuid.uuid4().hex[:8]}@example.fr"
        body = {"email": email, "password": PASSWORD, "first_name": "Léa", "last_name": "Roux", "role": "employer"}
        if requests.post(f"{url}/api/v1/auth/signup", json=body, timeout=SLOWEST_ANSWER).status_code == 201:
            return email, round(time.monotonic() - started, 1)
        eventlet.sleep(0.2)
    return None


def stored_emails(platform: Stack, proxy: TcpProxy, emails: list[str]) -> set[str]:
    """Which of ``emails`` the identity service's database holds, read from the server directly."""
    host, port = proxy.target
    engine = sa.create_engine(sa.engine.make_url(platform.env["DATABASE_URL_IDENTITY"]).set(host=host, port=port))
    users = sa.table("users", sa.column("email"))
    try:
        with engine.connect() as connection:
            return set(connection.scalars(sa.select(users.c.email).where(users.c.email.in_(emails))))
    finally:
        engine.dispose()


@pytest.mark.timeout(120)
def test_the_platform_answers_503_while_its_database_is_away_and_loses_nothing(
    platform: Stack, database_proxy: TcpProxy | None
):
    assert database_proxy is not None  # on PostgreSQL, the platform's databases are behind it
    pids = {name: process.pid for name, process in platform.processes.items()}
    load = Load()
    # The platform is shared with the other fault tests: the one before may have left it recovering.
    reader = first_sign_up(platform.url, RECOVERY_SECONDS)
    assert reader is not None, "no sign-up answered 201 before the outage"
    clients = [eventlet.spawn(load.client, platform.url, number) for number in range(2)]
    clients.append(eventlet.spawn(read, load, platform.url, reader[0]))
    try:
        eventlet.sleep(1.5)
        before = load.statuses["signup", 201]
        load.victim = "database"
        database_proxy.cut()
        eventlet.sleep(OUTAGE_SECONDS)
        during = Counter(load.statuses)
        database_proxy.restore()
        load.victim = "none"
        recovered = first_sign_up(platform.url, RECOVERY_SECONDS)
        eventlet.sleep(1.0)
    finally:
        load.stop = True
        for client in clients:
            client.wait()
        database_proxy.restore()
    print(
        f"\ndatabase away {OUTAGE_SECONDS} s; a sign-up answered 201 again "
        f"{recovered and recovered[1]} s after its return; "
        f"answers: {dict(load.statuses)}; over 3 s (call, status, s, while): {load.slow}; "
        f"slowest {load.slowest:.2f} s"
    )

    unexpected = {key: count for key, count in load.statuses.items() if key[1] not in ALLOWED}
    assert unexpected == {}, load.statuses  # no 500 at all
    assert load.slowest <= SLOWEST_ANSWER, f"an answer took {load.slowest:.1f} s"
    assert load.without_retry_after == 0
    assert dict(load.refused) == {}  # the gateway itself never went away
    assert before > 0, load.statuses
    # The outage was seen, by the API's routes and by the pages.
    assert during["signup", 503] > 0 and during["offer", 503] > 0 and during["offer page", 503] > 0, during
    assert recovered is not None, f"no sign-up answered 201 {RECOVERY_SECONDS} s after the database's return"
    assert load.statuses["signup", 201] > before, load.statuses  # the load's clients got through again
    assert load.statuses["offer page", 404] > during["offer page", 404], load.statuses
    # By itself: no process died nor was restarted.
    assert {name: process.pid for name, process in platform.processes.items()} == pids
    assert all(process.poll() is None for process in platform.processes.values())

    # Every sign-up answered 201 is in the database...
    answered = [*load.signed_up, reader[0], recovered[0]]
    assert stored_emails(platform, database_proxy, answered) == set(answered)
    # ... and got its confirmation email exactly once, its event handled once the database is back.
    deadline = time.monotonic() + MAIL_SECONDS
    while time.monotonic() < deadline and not all(messages_to(platform.state_dir, e) for e in answered):
        eventlet.sleep(0.3)
    assert {email: len(messages_to(platform.state_dir, email)) for email in answered} == dict.fromkeys(answered, 1)
