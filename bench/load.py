"""The national opening day's shape on loopback: ``python -m bench.load [--duration 60] [--concurrency 20]``.

1. Starts a private platform as ``make run`` does (``bench.pages.start_platform``: SQLite
   under a temporary STATE_DIR, a private vhost on the broker of ``AMQP_URI``, the demo data
   and schools), then seeds, straight into the databases (``bench/load_seed.py``): pupils of
   the demo collège, a host team that publishes ``OFFERS`` offers through the API and has
   300 applications with their conventions, and a second host with conventions ready to sign.
2. Lists of 300: the host's pages (« Candidatures reçues », « Mes conventions », 20 a page,
   first and last page) and API lists (100 a page, the API's maximum, first and last page),
   ``--list-rounds`` times each, one after the other: p50 / p95 beside the target p95 ≤ 100 ms.
3. The mixed load: ``--concurrency`` clients (one kept-alive connection each) draw an
   operation by the weights of ``MIX`` for ``--duration`` seconds: sign-ups, logins, searches,
   offer pages, applications, host list pages and group signings (ten conventions, the code
   read from the SMS outbox). Prints per route the count, p50 / p95 / p99 and the unexpected
   answers (0 expected), the requests per second, the platform's CPU seconds (its processes'
   user + system time from ``/proc``) and so the requests per second per core, each
   process's share of that CPU and its resident memory at the end.

The weights come from the platform's 2024 season: 1.7 M connections (counted here as
logins) and 172,567 applications. The rest are assumptions, stated in ``MIX``. Peak hours
(``PEAKS``, assumptions): the opening day brings 5% of the season's connections and 20% of
that day in its busiest hour (17,000 connections); June's busiest day 2% and 15% of it in an
hour (5,100). From the per-core figure it prints the cores each peak hour needs.

Figures are only as quiet as the machine: the load generator shares its cores with the
platform (its own CPU time is printed too), so rerun on an otherwise idle machine before
trusting the absolute numbers; the requests per platform core-second are the least noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

TARGET_LIST_P95_MS = 100.0
SCHOOL = "0752694W"  # the demo collège (Paris): the offers are published around it
OFFERS = 20
LISTED = 300
SIGNING_BATCH = 10
SEASON_CONNECTIONS = 1_700_000
SEASON_APPLICATIONS = 172_567
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Operation:
    name: str
    per_season: float
    why: str


# Per season; measured figures first, then the assumptions derived from them.
MIX = (
    Operation("login", SEASON_CONNECTIONS, "2024: 1.7 M connections"),
    Operation("application", SEASON_APPLICATIONS, "2024: 172,567 applications"),
    Operation("signup", 0.25 * SEASON_CONNECTIONS, "assumed: an account comes back 4 times"),
    Operation("search", 3 * SEASON_CONNECTIONS, "assumed: 3 searches a connection"),
    Operation("offer_page", 4 * SEASON_CONNECTIONS, "assumed: 4 offers opened a connection"),
    Operation("host_list", 2 * SEASON_APPLICATIONS, "assumed: a host opens a list twice an application"),
    Operation(
        "group_signing", 0.6 * SEASON_APPLICATIONS / SIGNING_BATCH, "assumed: 60% become conventions, signed by tens"
    ),
)
# (label, share of the season's connections on that day, share of the day in its peak hour)
PEAKS = (
    ("opening day, peak hour (assumed: 5% of the season that day, 20% of it in one hour)", 0.05, 0.20),
    ("June peak, peak hour (assumed: 2% of the season that day, 15% of it in one hour)", 0.02, 0.15),
)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (and of its waited-for children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Results:
    """Durations by route, and the unexpected answers."""

    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    operations: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def requests(self) -> int:
        return sum(len(values) for values in self.timings.values())


@dataclass
class World:
    """What the clients draw from."""

    url: str
    state: Path
    pupils: list[str]  # emails
    pupil_tokens: list[str]
    offers: list[dict[str, Any]]
    host_cookie: str
    host_token: str
    signer_token: str
    to_sign: list[int]
    applied: set[tuple[int, int]] = field(default_factory=set)
    signups: int = 0
    phones: int = 0


class Client:
    """One simulated browser: a kept-alive connection, timings by route."""

    def __init__(self, http: aiohttp.ClientSession, world: World, results: Results) -> None:
        self.http = http
        self.world = world
        self.results = results

    async def call(
        self, route: str, method: str, path: str, expected: int, token: str | None = None, **kwargs: Any
    ) -> Any:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            async with self.http.request(method, self.world.url + path, headers=headers, **kwargs) as answer:
                body = await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            status, body = 0, repr(exc).encode()
        self.results.timings[route].append(time.perf_counter() - started)
        if status != expected:
            self.results.errors[route] += 1
            if len(self.results.examples) < 10:
                self.results.examples.append(f"{method} {path}: {status} {body[:200]!r}")
            return None
        return json.loads(body) if body[:1] in (b"{", b"[") else body

    async def signup(self) -> None:
        self.world.signups += 1
        body = {
            "email": f"inscription-{self.world.signups}-{uuid.uuid4().hex[:6]}@charge.example.fr",
            "password": "un-mot-de-passe-tout-neuf",
            "first_name": "Noé",
            "last_name": "Inscrit",
            "role": "student",
            "school_uai": SCHOOL,
            "grade": "troisieme",
        }
        await self.call("signup POST /api/v1/auth/signup", "POST", "/api/v1/auth/signup", 201, json=body)

    async def login(self) -> None:
        from bench.load_seed import PASSWORD

        body = {"email": random.choice(self.world.pupils), "password": PASSWORD}
        await self.call("login POST /api/v1/auth/login", "POST", "/api/v1/auth/login", 200, json=body)

    async def search(self) -> None:
        page = 1 if random.random() < 0.8 else 2
        token = random.choice(self.world.pupil_tokens)
        await self.call("search GET /api/v1/offers/search", "GET", f"/api/v1/offers/search?page={page}", 200, token)

    async def offer_page(self) -> None:
        offer = random.choice(self.world.offers)
        await self.call("offer page GET /offres/{id}", "GET", f"/offres/{offer['id']}", 200)

    async def application(self) -> None:
        for _ in range(20):
            pupil = random.randrange(len(self.world.pupils))
            offer = random.choice(self.world.offers)
            if (pupil, offer["id"]) not in self.world.applied:
                break
        else:
            return
        self.world.applied.add((pupil, offer["id"]))
        body = {"weeks": offer["college_weeks"][:1], "motivation": "J'aimerais découvrir ce métier de près."}
        await self.call(
            "application POST /api/v1/offers/{id}/applications",
            "POST",
            f"/api/v1/offers/{offer['id']}/applications",
            201,
            self.world.pupil_tokens[pupil],
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    async def host_list(self) -> None:
        page = random.randint(1, LISTED // 20)
        cookie = {"Cookie": self.world.host_cookie}
        choice = random.randrange(4)
        if choice == 0:
            await self.call(
                "host list GET /mon-espace/candidatures",
                "GET",
                f"/mon-espace/candidatures?page={page}",
                200,
                headers=cookie,
            )
        elif choice == 1:
            await self.call(
                "host list GET /mon-espace/conventions",
                "GET",
                f"/mon-espace/conventions?page={page}",
                200,
                headers=cookie,
            )
        else:
            kind = ("applications", "conventions")[choice - 2]
            path = f"/api/v1/{kind}?per_page=100&page={1 + page % 3}"
            await self.call(f"host list GET /api/v1/{kind}", "GET", path, 200, self.world.host_token)

    async def group_signing(self) -> None:
        from tests.support.conventions import drawn_signature
        from tests.support.sms import wait_for_code

        if len(self.world.to_sign) < SIGNING_BATCH:
            return
        ids = [self.world.to_sign.pop() for _ in range(SIGNING_BATCH)]
        self.world.phones += 1
        phone = f"07{self.world.phones:08d}"  # a phone of its own: its SMS outbox holds one code
        token = self.world.signer_token
        asked = await self.call(
            "group signing POST /api/v1/signatures/code",
            "POST",
            "/api/v1/signatures/code",
            202,
            token,
            json={"convention_ids": ids, "phone": phone},
        )
        if asked is None:
            return
        code = await asyncio.to_thread(wait_for_code, self.world.state, "+33" + phone[1:], 1, 30.0)
        body = {"signature_request_id": asked["signature_request_id"], "code": code}
        body["signature_image"] = drawn_signature()
        await self.call(
            "group signing POST /api/v1/signatures/sign", "POST", "/api/v1/signatures/sign", 200, token, json=body
        )


async def run_load(world: World, duration: float, concurrency: int, results: Results) -> float:
    """``concurrency`` clients drawing operations by ``MIX`` for ``duration`` s; the seconds it took."""
    names = [operation.name for operation in MIX]
    weights = [operation.per_season for operation in MIX]
    timeout = aiohttp.ClientTimeout(total=60)
    deadline = time.monotonic() + duration

    async def one_client() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            client = Client(http, world, results)
            while time.monotonic() < deadline:
                name = random.choices(names, weights)[0]
                results.operations[name] += 1
                await getattr(client, name)()

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return time.perf_counter() - started


def timed_lists(world: World, rounds: int) -> list[tuple[str, list[float], int]]:
    """The host's lists of ``LISTED``, one call after the other: (label, seconds, status);
    the platform's CPU they cost is read around the call by ``report_lists``' caller."""
    import http.client

    last_page = math.ceil(LISTED / 20)
    cases = [
        ("page /mon-espace/candidatures (20 a page, 1st)", "/mon-espace/candidatures", "cookie"),
        (f"page /mon-espace/candidatures (page {last_page})", f"/mon-espace/candidatures?page={last_page}", "cookie"),
        ("page /mon-espace/conventions (20 a page, 1st)", "/mon-espace/conventions", "cookie"),
        (f"page /mon-espace/conventions (page {last_page})", f"/mon-espace/conventions?page={last_page}", "cookie"),
        ("API /api/v1/applications?per_page=100", "/api/v1/applications?per_page=100", "token"),
        ("API /api/v1/applications?per_page=100&page=3", "/api/v1/applications?per_page=100&page=3", "token"),
        ("API /api/v1/conventions?per_page=100", "/api/v1/conventions?per_page=100", "token"),
        ("API /api/v1/conventions?per_page=100&page=3", "/api/v1/conventions?per_page=100&page=3", "token"),
    ]
    port = int(world.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    measured: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, int] = {}
    for round_number in range(rounds + 1):  # round 0 warms up
        for label, path, auth in cases:
            headers = (
                {"Cookie": world.host_cookie} if auth == "cookie" else {"Authorization": f"Bearer {world.host_token}"}
            )
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            statuses[label] = response.status
            if round_number:
                measured[label].append(elapsed)
    connection.close()
    return [(label, measured[label], statuses[label]) for label, _, _ in cases]


def setup(url: str, state: Path) -> World:
    """Seeds the accounts, offers and conventions; logs everybody in."""
    import requests

    from bench.load_seed import PASSWORD, make_accounts, ready_conventions
    from services.common.school_calendar import SchoolYear, today_in_paris
    from tests.support.offers import future_college_weeks, offer_body
    from tests.support.page_session import PageSession

    started = time.perf_counter()
    pupils = make_accounts("student", 60, "eleve", school_uai=SCHOOL, grade="troisieme", class_name="3e C")
    host, signer = make_accounts("employer", 2, "hote", phone="0611223344")
    print(f"accounts: {len(pupils)} pupils and 2 hosts in {time.perf_counter() - started:.1f} s", flush=True)

    http = requests.Session()

    def login(email: str) -> str:
        answer = http.post(f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
        answer.raise_for_status()
        return str(answer.json()["token"])

    host_token = login(host.email)
    weeks = future_college_weeks(4)
    offers = []
    for number in range(OFFERS):
        place = {
            "street": f"{number + 1} rue de Charonne",
            "zipcode": "75011",
            "city": "Paris",
            "latitude": round(48.853 + 0.002 * (number % 5), 6),
            "longitude": round(2.38 + 0.003 * (number // 5), 6),
        }
        body = offer_body(college_weeks=weeks, max_candidates=6000, place=place, title=f"Découverte {number}")
        answer = http.post(
            f"{url}/api/v1/offers", json=body, headers={"Authorization": f"Bearer {host_token}"}, timeout=30
        )
        if answer.status_code != 201:
            raise RuntimeError(f"POST /api/v1/offers answered {answer.status_code}: {answer.text[:300]}")
        offers.append(answer.json())
    week = str(SchoolYear.current(today_in_paris()).college_weeks()[-1])
    ready_conventions(host.team_id or 0, offers[0]["id"], SCHOOL, LISTED, week, 100_000)
    ready_conventions(signer.team_id or 0, 0, SCHOOL, 1000, week, 200_000)
    pupil_tokens = [login(pupil.email) for pupil in pupils]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the offers reach matching by events
        found = http.get(
            f"{url}/api/v1/offers/search", headers={"Authorization": f"Bearer {pupil_tokens[0]}"}, timeout=30
        ).json()
        if found["total"] >= OFFERS:
            break
        time.sleep(0.5)
    else:
        raise RuntimeError(f"the search finds {found['total']} of the {OFFERS} offers after 60 s")
    browser = PageSession(url)
    browser.log_in(host.email, PASSWORD, "/offreur/connexion")
    cookie = "; ".join(f"{name}={value}" for name, value in browser.http.cookies.items())
    to_sign = conventions_of(signer.team_id or 0)
    print(
        f"seeded in {time.perf_counter() - started:.1f} s: {OFFERS} offers, {LISTED} applications and conventions "
        f"for the listing host, {len(to_sign)} conventions ready to sign for the signing host",
        flush=True,
    )
    return World(
        url,
        state,
        [pupil.email for pupil in pupils],
        pupil_tokens,
        offers,
        cookie,
        host_token,
        login(signer.email),
        to_sign,
    )


def conventions_of(team_id: int) -> list[int]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from services.common.config import database_url
    from services.common.database import create_service_engine
    from services.conventions.models import Convention

    engine = create_service_engine(database_url("conventions"))
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Convention.id).where(Convention.team_id == team_id)))
    finally:
        engine.dispose()


def report_lists(lists: list[tuple[str, list[float], int]], rounds: int, cpu: dict[str, float]) -> None:
    """The lists' latencies beside the target, and the platform's CPU a list request cost
    (``cpu``: CPU seconds of each process over the timed rounds, warm-up round included)."""
    print(f"\nlists of a host with {LISTED} applications and {LISTED} conventions, {rounds} GETs each, one at a time")
    width = max(len(label) for label, _, _ in lists)
    print(f"  {'list':<{width}}  status  p50 ms  p95 ms  target p95 ≤ {TARGET_LIST_P95_MS:.0f} ms")
    for label, seconds, status in lists:
        p50, p95 = percentile(seconds, 0.5) * 1000, percentile(seconds, 0.95) * 1000
        verdict = "met" if p95 <= TARGET_LIST_P95_MS and status == 200 else "NOT met"
        print(f"  {label:<{width}}  {status:>6}  {p50:6.1f}  {p95:6.1f}  {verdict}")
    requests = len(lists) * (rounds + 1)
    busy = ", ".join(f"{name} {seconds / requests * 1000:.2f}" for name, seconds in sorted(cpu.items()) if seconds)
    print(f"  CPU ms a list request (the lists' mean; less noisy than latencies on a shared machine): {busy}")


def report_load(
    results: Results, seconds: float, cpu: dict[str, float], memory: dict[str, float], own_cpu: float, args: Any
) -> None:
    total = results.requests()
    platform_cpu = sum(cpu.values())
    print(f"\nmixed load: {args.concurrency} clients for {seconds:.1f} s (machine shared: figures are noisy)")
    print("  operations drawn: " + ", ".join(f"{name} {count}" for name, count in sorted(results.operations.items())))
    width = max(len(route) for route in results.timings)
    print(f"  {'route':<{width}}  count  errors  p50 ms  p95 ms  p99 ms")
    for route in sorted(results.timings):
        values = results.timings[route]
        p50, p95, p99 = (percentile(values, share) * 1000 for share in (0.5, 0.95, 0.99))
        print(f"  {route:<{width}}  {len(values):5}  {results.errors[route]:6}  {p50:6.1f}  {p95:6.1f}  {p99:6.1f}")
    errors = sum(results.errors.values())
    print(f"  requests {total}, {total / seconds:.1f} a second; unexpected answers {errors} (target 0)")
    for example in results.examples:
        print(f"    {example}")
    per_core = total / platform_cpu if platform_cpu else float("nan")
    print(
        f"  platform CPU {platform_cpu:.1f} s over {seconds:.1f} s ({platform_cpu / seconds:.2f} cores busy); "
        f"load generator CPU {own_cpu:.1f} s"
    )
    print(f"  requests per second per core (requests / platform CPU seconds): {per_core:.1f}")
    print("  per process: CPU share, CPU ms per request, resident memory at the end")
    for name in sorted(cpu):
        share = cpu[name] / platform_cpu if platform_cpu else 0.0
        print(
            f"    {name:<14} {share:6.1%}  {cpu[name] / total * 1000 if total else 0:6.2f} ms  {memory[name]:7.1f} MB"
        )
    print(f"    {'total':<14} {'':6}  {'':6}     {sum(memory.values()):7.1f} MB")
    per_connection = sum(operation.per_season for operation in MIX) / SEASON_CONNECTIONS
    requests_per_op = total / max(1, sum(results.operations.values()))
    print("\npeak hours (assumptions; the mix above per connection, the requests per operation measured here)")
    for label, day, hour in PEAKS:
        connections = SEASON_CONNECTIONS * day * hour
        rate = connections * per_connection * requests_per_op / 3600
        print(
            f"  {label}: {connections:,.0f} connections, {rate:.0f} requests/s, "
            f"{rate / per_core:.1f} cores at {per_core:.1f}/core"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of mixed load (default 60)")
    parser.add_argument("--concurrency", type=int, default=20, help="clients at once (default 20)")
    parser.add_argument("--list-rounds", type=int, default=30, help="GETs of each list of 300 (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)

    from bench.pages import start_platform
    from services.common import broker
    from services.common.config import DEFAULT_AMQP_URI

    uri = broker.with_vhost(os.environ.get("AMQP_URI", DEFAULT_AMQP_URI), f"e1s-bench-{uuid.uuid4().hex[:8]}")
    print(broker.ensure_vhost(uri))
    state = Path(tempfile.mkdtemp(prefix="e1s-bench-load-"))
    os.environ.update({"STATE_DIR": str(state), "AMQP_URI": uri, "LOG_LEVEL": "WARNING"})
    print("the opening day's mix, per season (weights of the draw):")
    for operation in MIX:
        print(f"  {operation.name:<14} {operation.per_season:>12,.0f}  {operation.why}")
    group, port = start_platform(state)
    try:
        world = setup(f"http://127.0.0.1:{port}", state)
        pids = {name: process.pid for name, process in group.processes.items()}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        lists = timed_lists(world, args.list_rounds)
        report_lists(lists, args.list_rounds, {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()})
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        own_before = time.process_time()
        results = Results()
        seconds = asyncio.run(run_load(world, args.duration, args.concurrency, results))
        own_cpu = time.process_time() - own_before
        restarted = [name for name, process in group.processes.items() if process.pid != pids[name]]
        if restarted:
            print(f"processes restarted during the load (their CPU is partly lost): {', '.join(restarted)}")
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items() if name not in restarted}
        memory = {name: resident_mb(pid) for name, pid in pids.items() if name not in restarted}
        report_load(results, seconds, cpu, memory, own_cpu, args)
        print(f"\nstate (databases, logs, outboxes) in {state}")
        # The report reads ``errors`` per route (a defaultdict): its keys are not the errors.
        return 1 if sum(results.errors.values()) else 0
    finally:
        group.stop()
        broker.delete_vhost(uri)


if __name__ == "__main__":
    sys.exit(main())
