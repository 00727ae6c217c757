"""``kill -9`` of each process of a running platform, in turn, under a small load: the launcher
restarts it, clients meanwhile get their answer late or a 503 with ``Retry-After`` (or, for the
gateway itself, a refused connection), never a 500 nor a hang, and nothing the platform said it
did is lost nor done twice.

The load: people signing up, a host publishing offers and pupils applying to them, pupils
approving the applications their host accepted (each approval makes a convention and takes a
seat), hosts signing batches of conventions with the code texted to them; the applications to
approve and the conventions to sign are prepared through the API before the first kill.
Afterwards every sign-up, offer, application, approval and signature answered 2xx is there
once, the seats counted in conventions' database and in offers' match the approvals, and each
email and SMS of these steps is in the outboxes once.

The services are killed a second apart, each restarted by ``ProcessGroup.supervise`` (the loop of
``make run``), so that their restarts overlap and the test stays short; the gateway goes last.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import eventlet
import pytest
import requests
import sqlalchemy as sa

from deploy.restarts import Backoff
from services.common.config import SERVICES
from tests.faults.conftest import GATEWAY_TIMEOUT
from tests.faults.journey_clients import Applications, Approvals, GroupSignatures, Publications
from tests.support.accounts import PASSWORD
from tests.support.conventions import college_week
from tests.support.journey_backlog import Backlog, prepare
from tests.support.mailbox import messages_to
from tests.support.sms import texts_to
from tests.support.stack import Stack

# On both databases: what a killed process had committed, and what it had not, is the database's.
pytestmark = pytest.mark.e2e

# The gateway gives up on a service after its deadline; the margin is for a busy machine.
SLOWEST_ANSWER = GATEWAY_TIMEOUT + 5.0
ALLOWED = {200, 201, 403, 404, 429, 503}
ALSO_ALLOWED = {"approve": {409}, "code": {202}, "sign": {410, 422}}
"""409 for an approval: no seat left, or made by a call answered 503 (the clients tell which);
410 for a signature made by a call answered 503; 422 for the late SMS of such a call's code."""
APPROVALS, SEATS = 8, 4  # the last approvals find the offer full
BATCHES, BATCH_SIZE = 4, 2  # the backlog's conventions take the last BATCHES weeks of the year
APPROVAL_PACE, SIGNING_PACE, PUBLISHING_PACE = 1.5, 4.0, 2.0
"""Seconds between two approvals, two group signatures, two offers: spread over the kills
(about 20 s)."""
APPLYING_WEEK = -1
"""The week of the offers published under load, from the school year's end: the last weeks,
as every test's, so that the test keeps working until late in the school year."""
EVENTS_SECONDS = 30.0
"""Bound on the time for the effects of the last events (emails, offers' seat count): an
event that waited for a restarted service comes back within seconds."""
RECOVERY_SECONDS = 60.0  # a process's start on a busy machine (2 s when quiet)
HELD_DOWN = "identity"
"""Restarted late, as after a crash loop has grown its backoff, so that the clients' calls
answer 503: at once while it has no process, at the gateway's deadline for a call sent just
before the kill. Killed last of the services: the code requests (which name the host through
identity) and so the group signatures go on while the others are killed."""
KILL_ORDER = (*(name for name in SERVICES if name != HELD_DOWN), HELD_DOWN)


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


def rows(platform: Stack, service: str, query: str, **values: object) -> list[sa.Row]:
    """The rows of ``query`` in ``service``'s database, read directly (a list value, as in
    ``IN :ids``, is expanded)."""
    statement = sa.text(query).bindparams(
        *(sa.bindparam(name, expanding=True) for name, value in values.items() if isinstance(value, list))
    )
    engine = sa.create_engine(platform.env[f"DATABASE_URL_{service.upper()}"])
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement, values))
    finally:
        engine.dispose()


def subjects(platform: Stack, recipient: str) -> Counter[str]:
    """How many emails ``recipient`` got under each subject."""
    return Counter(str(message["Subject"]) for message in messages_to(platform.state_dir, recipient))


def within(seconds: float, done: Callable[[], bool]) -> bool:
    """Whether ``done()`` became true within ``seconds`` (asked every 0.3 s)."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        eventlet.sleep(0.3)
    return True


@pytest.mark.timeout(400)  # a loaded machine: start, preparation, restarts of a minute each
def test_each_process_killed_in_turn_comes_back_while_clients_get_503s_and_nothing_is_lost(platform: Stack):
    started = time.monotonic()
    backlog = prepare(
        platform.url, platform.state_dir, approvals=APPROVALS, seats=SEATS, batches=BATCHES, batch_size=BATCH_SIZE
    )
    prepared = round(time.monotonic() - started, 1)
    load = Load()
    approvals = Approvals(load.call, platform.url, backlog.approvals, APPROVAL_PACE)
    signatures = GroupSignatures(load.call, platform.url, platform.state_dir, backlog.batches, SIGNING_PACE)
    week = college_week(APPLYING_WEEK)
    publications = Publications(load.call, platform.url, backlog.approval_host, week, PUBLISHING_PACE)
    applications = Applications(load.call, platform.url, backlog.signing_pupils, week, publications)
    journey = (publications, applications, approvals, signatures)
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
    clients += [eventlet.spawn(client.run) for client in journey]
    try:
        eventlet.sleep(1.0)
        load.victim = "services"
        for name in KILL_ORDER:
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
        for client in journey:
            client.stop = True
        for client in clients:
            client.wait()
        platform.backoffs.pop(HELD_DOWN, None)
    print(
        f"\nprepared through the API in {prepared} s; "
        f"kill -9 to answering again, s ({HELD_DOWN} restarted after {GATEWAY_TIMEOUT + 1.0} s): {back}; "
        f"answers: {dict(load.statuses)}; answers over 3 s (call, status, s, while down): {load.slow}; "
        f"connections refused: {dict(load.refused)}; offers published: {len(publications.published)}, "
        f"applications: {len(applications.applied)}; approvals answered 200: {len(approvals.approved)}, "
        f"made by a call answered 503: {len(approvals.unanswered)}, full: {len(approvals.full)}; "
        f"batches signed: {len(signatures.signed)}, by a call answered 503: {len(signatures.unanswered)}; "
        f"launcher: {launcher_log}"
    )

    assert set(back) == set(killed), f"not back: {set(killed) - set(back)}; launcher: {launcher_log}"
    assert all(process.poll() is None for process in platform.processes.values())
    assert len([line for line in launcher_log if "killed by signal 9" in line]) == len(killed)
    assert len([line for line in launcher_log if " restarted (pid " in line]) == len(killed)
    assert [line for line in launcher_log if line.startswith("offers ") and "restart #1 in 0.5 s" in line]
    unexpected = {
        key: count for key, count in load.statuses.items() if key[1] not in ALLOWED | ALSO_ALLOWED.get(key[0], set())
    }
    assert unexpected == {}, load.statuses
    assert [surprise for client in journey for surprise in client.surprises] == []
    assert load.slowest <= SLOWEST_ANSWER, f"an answer took {load.slowest:.1f} s"
    assert load.without_retry_after == 0
    assert set(load.refused) <= {"gateway"}  # only the gateway's own gap refuses connections
    # Restarted within the gateway's deadline, a service answers the calls that waited in its
    # queue; the one held down longer answered 503 meanwhile.
    assert load.statuses["signup", 503] + load.statuses["login", 503] > 0, load.statuses
    assert load.signed_up, load.statuses
    # The journey's clients got through (an approval or a signature may be made by a call
    # answered 503 only).
    assert publications.published and applications.applied, load.statuses
    assert (approvals.approved or approvals.unanswered) and (signatures.signed or signatures.unanswered), load.statuses

    check_sign_ups(platform, load)
    check_publications_and_applications(platform, backlog, publications, applications)
    check_approvals(platform, backlog, approvals)
    check_group_signatures(platform, backlog, signatures)


def check_sign_ups(platform: Stack, load: Load) -> None:
    """Every sign-up answered 201 exists (its password is checked, its email not yet confirmed)
    and got its confirmation email exactly once, once the events waiting in the queue are handled."""
    for email in load.signed_up:
        login = requests.post(
            f"{platform.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10
        )
        assert (login.status_code, login.json()["code"]) == (403, "EMAIL_NOT_CONFIRMED"), email
    within(15, lambda: all(messages_to(platform.state_dir, email) for email in load.signed_up))
    counts = {email: len(messages_to(platform.state_dir, email)) for email in load.signed_up}
    assert counts == dict.fromkeys(load.signed_up, 1)


def check_publications_and_applications(
    platform: Stack, backlog: Backlog, publications: Publications, applications: Applications
) -> None:
    """Each offer answered 201 is in offers' database once (an offer sent again after a 503
    makes no other) and reaches matching's index; each application answered 201 is in
    conventions' database once, and the host was told of each application once."""
    prefix = f"Stage publié sous charge {publications.tag} n° "
    stored = rows(platform, "offers", "SELECT title, id FROM offers WHERE title LIKE :prefix", prefix=f"{prefix}%")
    assert len(stored) == len({row.title for row in stored}), stored
    assert {row.title: row.id for row in stored if row.title in publications.published} == publications.published
    assert {row.title for row in stored} <= set(publications.tried)
    titles = {row.id: row.title for row in stored}

    def indexed() -> set[int]:
        query = "SELECT offer_id FROM offer_projection WHERE offer_id IN :ids"
        return {row.offer_id for row in rows(platform, "matching", query, ids=list(titles))}

    within(EVENTS_SECONDS, lambda: indexed() == set(titles))
    assert indexed() == set(titles)
    query = "SELECT id, offer_id, student_id FROM applications WHERE offer_id IN :ids"
    applied = rows(platform, "conventions", query, ids=list(titles))
    assert len(applied) == len({(row.offer_id, row.student_id) for row in applied})
    answered = {(row.offer_id, row.student_id): row.id for row in applied}
    assert {key: answered.get(key) for key in applications.applied} == applications.applied
    expected = Counter(f"Nouvelle candidature pour « {titles[row.offer_id]} »" for row in applied)

    def told() -> Counter[str]:
        host = subjects(platform, backlog.approval_host.email)
        return Counter({subject: count for subject, count in host.items() if prefix in subject})

    within(EVENTS_SECONDS, lambda: told() == expected)
    assert told() == expected


def check_approvals(platform: Stack, backlog: Backlog, approvals: Approvals) -> None:
    """Each approval answered 200 (or made by a call answered 503) has its convention and took
    one seat, in conventions' database and in offers' count; its host and the school's head
    were told once."""
    offer_id = backlog.approval_offer["id"]
    approved = {
        row.id: row.convention_id
        for row in rows(
            platform,
            "conventions",
            "SELECT a.id, c.id AS convention_id FROM applications a LEFT JOIN conventions c ON c.application_id = a.id"
            " WHERE a.offer_id = :offer AND a.status = 'approved'",
            offer=offer_id,
        )
    }
    assert approved.keys() == approvals.approved.keys() | approvals.unanswered, (approved, approvals)
    assert {key: approved[key] for key in approvals.approved} == approvals.approved
    assert None not in approved.values()  # each approval has its convention
    assert not approvals.full & approved.keys()
    # Never more than the seats; the approvals that found the offer full came once it was.
    if approvals.full:
        assert len(approved) == SEATS
    [seats] = rows(
        platform, "conventions", "SELECT approved, seats FROM offer_seats WHERE offer_id = :offer", offer=offer_id
    )
    assert (seats.approved, seats.seats) == (len(approved), SEATS)
    conventions = rows(platform, "conventions", "SELECT id FROM conventions WHERE offer_id = :offer", offer=offer_id)
    assert sorted(row.id for row in conventions) == sorted(approved.values())
    # Offers heard of each seat taken (its count, from the conventions' events).
    offer_url = f"{platform.url}/api/v1/offers/{offer_id}"

    def remaining() -> int:
        return requests.get(offer_url, headers=backlog.approval_host.headers, timeout=10).json()["remaining_seats"]

    within(EVENTS_SECONDS, lambda: remaining() == SEATS - len(approved))
    assert remaining() == SEATS - len(approved)
    # Each approval's emails came once: to the host (the pupil confirmed; the convention to
    # fill in) and to the school's head (the convention to fill in); none for the others.
    title = backlog.approval_offer["title"]
    pupils = {pending.application_id: pending.pupil for pending in backlog.approvals}

    def expected(application_id: int) -> tuple[int, int, int]:
        return (1, 1, 1) if application_id in approved else (0, 0, 0)

    def told(application_id: int) -> tuple[int, int, int]:
        name = pupils[application_id].name
        host, head = subjects(platform, backlog.approval_host.email), subjects(platform, backlog.manager.email)
        return (
            host[f"{name} a confirmé son stage « {title} »"],
            host[f"Convention de stage à compléter : {name} – « {title} »"],
            head[f"Convention de stage à compléter : {name}"],
        )

    within(EVENTS_SECONDS, lambda: all(told(key) == expected(key) for key in pupils))
    assert {key: told(key) for key in pupils} == {key: expected(key) for key in pupils}


def check_group_signatures(platform: Stack, backlog: Backlog, signatures: GroupSignatures) -> None:
    """Each batch signed (answered 200, or by a call answered 503) has the host's signature
    once on each of its conventions, the others none; each code was texted once."""
    done = signatures.signed.keys() | signatures.unanswered
    for number, batch in enumerate(backlog.batches):
        if number in signatures.signed:
            assert sorted(signatures.signed[number]) == sorted(batch.convention_ids)
        for convention_id in batch.convention_ids:
            answer = requests.get(
                f"{platform.url}/api/v1/conventions/{convention_id}", headers=batch.host.headers, timeout=10
            ).json()
            roles = [signature["role"] for signature in answer["signatures"]]
            assert roles.count("employer") == (1 if number in done else 0), (number, answer)
            assert answer["status"] == ("signatures_started" if number in done else "ready_to_sign")

        # Each code request answered 202 was texted, and no SMS twice: the outbox holds as many
        # texts as notifications recorded deliveries to the phone, all different (new codes).
        def recorded(phone: str = batch.e164) -> int:
            query = "SELECT count(*) AS n FROM deliveries WHERE channel = 'sms' AND recipient = :phone"
            return rows(platform, "notifications", query, phone=phone)[0].n

        # A delivery recorded when notifications was killed is sent by its retry timer.
        within(EVENTS_SECONDS, lambda phone=batch.e164: len(texts_to(platform.state_dir, phone)) >= recorded(phone))
        texts = texts_to(platform.state_dir, batch.e164)
        assert len(texts) == recorded() >= signatures.codes_answered[number], (number, texts)
        assert len(set(texts)) == len(texts), texts
