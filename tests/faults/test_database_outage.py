"""PostgreSQL unreachable for 10 s under a small load, with nobody stepping in: clients get fast
503s with ``Retry-After`` meanwhile (never a 500, never a hang past the gateway's deadline), the
platform answers normally again by itself soon after, without a restart, and nothing it
answered 201 is lost: each sign-up is in the database and got its email exactly once, each
offer published is in the database and in matching's index.

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
from typing import Any

import eventlet
import pytest
import requests
import sqlalchemy as sa

from services.common import dead_letters
from services.notifications.retry_policy import SEND_LEASE
from services.notifications.service import RETRY_INTERVAL_SECONDS
from tests.faults.conftest import GATEWAY_TIMEOUT
from tests.faults.test_process_killed import Load
from tests.support.accounts import PASSWORD, confirmed_account
from tests.support.mailbox import messages_to
from tests.support.offers import offer_body
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
EVENTS_SECONDS = 20.0
"""Bound on the time for the effects of the last events after that (an email, an offer in
matching's index): an event whose handler failed during the outage comes back every
``REQUEUE_PAUSE_SECONDS`` (2 s)."""


def read(load: Load, url: str, email: str) -> None:
    """A client reading, beside the others: a login, an offer through the API and as a page."""
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


def publish(load: Load, url: str, headers: dict[str, str], published: list[int]) -> None:
    """A host publishing offers (a new one each time); the ids answered 201 go to ``published``."""
    while not load.stop:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        created = load.call("publish", "POST", f"{url}/api/v1/offers", json=offer_body(), headers={**headers, **key})
        if created is not None and created.status_code == 201:
            published.append(created.json()["id"])
        eventlet.sleep(0.2)


LEASED_SECONDS = SEND_LEASE.total_seconds() + RETRY_INTERVAL_SECONDS + 15.0
"""Bound on the time for an email whose claim's commit reached the server as the database went
away, its answer lost (``services.notifications.dispatch``: leased for ``SEND_LEASE``, then sent by
the retry timer): late, not lost."""


def deliveries_to(platform: Stack, proxy: TcpProxy, emails: list[str]) -> list[dict[str, Any]]:
    """The notifications' deliveries to these addresses (who, status, attempts, last error)."""
    host, port = proxy.target
    url = sa.engine.make_url(platform.env["DATABASE_URL_NOTIFICATIONS"]).set(host=host, port=port)
    engine = sa.create_engine(url)
    query = sa.text(
        "SELECT recipient, status, attempts, next_attempt_at, last_error FROM deliveries WHERE recipient IN :emails"
    ).bindparams(sa.bindparam("emails", expanding=True))
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query, {"emails": emails})]
    finally:
        engine.dispose()


def wait_for_emails(platform: Stack, proxy: TcpProxy, emails: list[str]) -> None:
    """Until each address has its email: ``EVENTS_SECONDS``, or ``LEASED_SECONDS`` for a delivery
    recorded but not sent yet; what is missing then is told with its delivery and dead letters."""
    deadline = time.monotonic() + EVENTS_SECONDS
    while time.monotonic() < deadline and not all(messages_to(platform.state_dir, e) for e in emails):
        eventlet.sleep(0.3)
    missing = [email for email in emails if not messages_to(platform.state_dir, email)]
    recorded = deliveries_to(platform, proxy, missing) if missing else []
    if recorded:
        print(f"recorded, not sent yet {EVENTS_SECONDS} s after the database's return: {recorded}")
        deadline = time.monotonic() + LEASED_SECONDS
        while time.monotonic() < deadline and not all(messages_to(platform.state_dir, e) for e in missing):
            eventlet.sleep(1.0)
        missing = [email for email in missing if not messages_to(platform.state_dir, email)]
    if missing:
        letters = dead_letters.listing("notifications", platform.env["AMQP_URI"])
        raise AssertionError(
            f"no email to {missing}; deliveries: {deliveries_to(platform, proxy, missing)}; "
            f"notifications' dead letters: {letters}"
        )


def stored(platform: Stack, proxy: TcpProxy, service: str, where: str, column: str, values: list[Any]) -> set[Any]:
    """Which of ``values`` a column of a service's table holds, read from the server directly."""
    host, port = proxy.target
    url = sa.engine.make_url(platform.env[f"DATABASE_URL_{service.upper()}"]).set(host=host, port=port)
    engine = sa.create_engine(url)
    table = sa.table(where, sa.column(column))
    try:
        with engine.connect() as connection:
            return set(connection.scalars(sa.select(table.c[column]).where(table.c[column].in_(values))))
    finally:
        engine.dispose()


@pytest.mark.timeout(120 + LEASED_SECONDS)
def test_the_platform_answers_503_while_its_database_is_away_and_loses_nothing(
    platform: Stack, database_proxy: TcpProxy | None
):
    assert database_proxy is not None  # on PostgreSQL, the platform's databases are behind it
    pids = {name: process.pid for name, process in platform.processes.items()}
    load = Load()
    # The platform is shared with the other fault tests: the one before may have left it recovering.
    reader = first_sign_up(platform.url, RECOVERY_SECONDS)
    assert reader is not None, "no sign-up answered 201 before the outage"
    host = confirmed_account(platform.url, platform.state_dir, "employer").headers
    published: list[int] = []
    clients = [eventlet.spawn(load.client, platform.url, number) for number in range(2)]
    clients.append(eventlet.spawn(read, load, platform.url, reader[0]))
    clients.append(eventlet.spawn(publish, load, platform.url, host, published))
    try:
        # The load runs before the cut: a sign-up and a publication answered 201 (on a loaded CI
        # machine that takes seconds, not the 1.5 s of a quiet one).
        until = time.monotonic() + RECOVERY_SECONDS
        while time.monotonic() < until and not (load.statuses["signup", 201] and published):
            eventlet.sleep(0.2)
        published_before = len(published)
        load.victim = "database"
        database_proxy.cut()
        eventlet.sleep(OUTAGE_SECONDS)
        during, published_during = Counter(load.statuses), len(published)
        database_proxy.restore()
        load.victim = "none"
        recovered = first_sign_up(platform.url, RECOVERY_SECONDS)

        def through_again() -> bool:
            """Whether the load's own clients signed up, published and read a page since the restore."""
            statuses = load.statuses
            signed_up = statuses["signup", 201] > during["signup", 201]
            read_page = statuses["offer page", 404] > during["offer page", 404]
            return signed_up and read_page and len(published) > published_during

        until = time.monotonic() + RECOVERY_SECONDS
        while time.monotonic() < until and not through_again():
            eventlet.sleep(0.2)
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
    assert during["signup", 201] > 0 and published_before > 0, load.statuses  # the load was running
    # The outage was seen, by the API's routes and by the pages.
    seen = {call for (call, status) in during if status == 503}
    assert {"signup", "publish", "offer", "offer page"} <= seen, during
    assert recovered is not None, f"no sign-up answered 201 {RECOVERY_SECONDS} s after the database's return"
    assert through_again(), load.statuses  # the load's own clients too
    # By itself: no process died nor was restarted.
    assert {name: process.pid for name, process in platform.processes.items()} == pids
    assert all(process.poll() is None for process in platform.processes.values())

    # Every sign-up and every offer answered 201 is in the database...
    answered = [*load.signed_up, reader[0], recovered[0]]
    assert stored(platform, database_proxy, "identity", "users", "email", answered) == set(answered)
    assert stored(platform, database_proxy, "offers", "offers", "id", published) == set(published)
    # ... each offer reached matching's index (its event handled once the database is back)...
    deadline = time.monotonic() + EVENTS_SECONDS
    indexed: set[int] = set()
    while time.monotonic() < deadline and indexed != set(published):
        indexed = stored(platform, database_proxy, "matching", "offer_projection", "offer_id", published)
        eventlet.sleep(0.3)
    assert indexed == set(published)
    # ... and got its confirmation email exactly once, its event handled once the database is back.
    wait_for_emails(platform, database_proxy, answered)
    assert {email: len(messages_to(platform.state_dir, email)) for email in answered} == dict.fromkeys(answered, 1)
