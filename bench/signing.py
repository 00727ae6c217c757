"""Group signing of 50 ready conventions and their sealed PDFs: ``python -m bench.signing``
(or ``make bench-signing``).

1. Starts the whole platform (SQLite under a temporary STATE_DIR, a private vhost on the
   broker of ``AMQP_URI``), then, through the gateway as the users would: a host publishes
   an offer with ``--conventions`` seats, as many pupils apply, are selected and confirm;
   host and school fill in and validate every convention.
2. The head of school signs them all in one batch, each pupil and each legal representative
   (through the emailed link) sign theirs, so that the host's signature is the last one.
3. The host ticks all of them and signs in one batch, with the code read from the SMS
   outbox: prints how long that call took (target ≤ 1 s), then how long until every sealed
   PDF was ready (target ≤ 60 s) and the time per PDF. Every PDF is then downloaded and its
   seal checked.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse
import os
import re
import sys
import tempfile
import time
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import requests

from deploy.processes import ProcessGroup
from services.common import broker
from services.common.config import DEFAULT_AMQP_URI, SERVICES
from services.common.migrations import upgrade
from services.common.school_calendar import SchoolYear, today_in_paris
from services.conventions.seal import load_seal_identity, verify_seal
from tests.support.conventions import HOST_PART, SCHOOL_PART, drawn_signature
from tests.support.offers import offer_body
from tests.support.schools import load_sample
from tests.support.sms import texts_to, wait_for_code
from tests.support.stack import free_port

PASSWORD = "un-mot-de-passe-solide"  # noqa: S105 - a throw-away account of the benchmark
SCHOOL = "0752694W"


class Client:
    """The gateway, as the users' browsers call it."""

    def __init__(self, url: str, state: Path) -> None:
        self.url = url
        self.state = state
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, status: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.http.request(method, self.url + path, headers=headers, timeout=60, **kwargs)
        if answer.status_code != status:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return (
            answer.json()
            if answer.content and answer.headers["Content-Type"].startswith("application/json")
            else answer
        )

    def mail_token(self, recipient: str) -> str:
        folder = self.state / "outbox" / "mail"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for path in sorted(folder.glob("*.eml"), reverse=True) if folder.exists() else []:
                message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
                if recipient in str(message["To"]):
                    body = message.get_body(preferencelist=("plain",))
                    match = re.search(r"token=([A-Za-z0-9_\-]+)", body.get_content() if body else "")
                    if match:
                        return match.group(1)
            time.sleep(0.1)
        raise RuntimeError(f"no email with a link to {recipient}")

    def user(self, role: str, number: int, **fields: str) -> str:
        email = f"{role}-{number}-{uuid.uuid4().hex[:4]}@example.fr"
        body = {"email": email, "password": PASSWORD, "first_name": "Léa", "last_name": f"Bench{number}", "role": role}
        self.call("POST", "/api/v1/auth/signup", status=201, json={**body, **fields})
        self.call("POST", "/api/v1/auth/confirm", json={"token": self.mail_token(email)})
        return self.call("POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD})["token"]

    def sign(self, token: str | None, phone: str, e164: str, ids: list[int] | None, link: str | None = None) -> float:
        """Ask for a code, read it from the SMS outbox, sign; returns the sign call's seconds."""
        body: dict[str, Any] = {"phone": phone, **({"link_token": link} if link else {"convention_ids": ids})}
        sent = sum(1 for text in texts_to(self.state, e164) if "code" in text)
        request = self.call("POST", "/api/v1/signatures/code", token, status=202, json=body)
        code = wait_for_code(self.state, e164, sent + 1)
        signing = {"signature_request_id": request["signature_request_id"], "code": code}
        signing["signature_image"] = drawn_signature()
        if link:
            signing["link_token"] = link
        started = time.perf_counter()
        self.call("POST", "/api/v1/signatures/sign", token, json=signing)
        return time.perf_counter() - started


def prepare(client: Client, count: int) -> tuple[str, list[int], list[tuple[str, str]]]:
    """``count`` conventions ready to sign; returns the host's token, their ids and pupils'."""
    host = client.user("employer", 0)
    manager = client.user("school_manager", 0, school_uai=SCHOOL)
    week = str(SchoolYear.current(today_in_paris()).college_weeks()[-1])
    offer = client.call(
        "POST", "/api/v1/offers", host, status=201, json=offer_body(college_weeks=[week], max_candidates=count)
    )
    ids, pupils = [], []
    for number in range(count):
        pupil = client.user("student", number, school_uai=SCHOOL, grade="troisieme")
        phone = f"0612{number:06d}"
        body = {"weeks": [week], "motivation": "Motivation du banc d'essai.", "phone": phone}
        application = client.call("POST", f"/api/v1/offers/{offer['id']}/applications", pupil, status=201, json=body)
        client.call("POST", f"/api/v1/applications/{application['id']}/validate", host)
        convention_id = client.call("POST", f"/api/v1/applications/{application['id']}/approve", pupil)["convention_id"]
        client.call("PATCH", f"/api/v1/conventions/{convention_id}", host, json=HOST_PART)
        client.call("POST", f"/api/v1/conventions/{convention_id}/complete", host)
        school_part = {
            **SCHOOL_PART,
            "legal_representative_email": f"parent-{number}@example.fr",
            "legal_representative_phone": f"0698{number:06d}",
        }
        client.call("PATCH", f"/api/v1/conventions/{convention_id}", manager, json=school_part)
        client.call("POST", f"/api/v1/conventions/{convention_id}/validate", manager)
        ids.append(convention_id)
        pupils.append((pupil, phone))
        print(f"\r{number + 1}/{count} conventions ready to sign", end="", flush=True)
    print()
    client.sign(manager, "0622222222", "+33622222222", ids)
    for number, ((pupil, phone), convention_id) in enumerate(zip(pupils, ids, strict=True)):
        client.sign(pupil, phone, "+33" + phone[1:], [convention_id])
        parent_phone = f"0698{number:06d}"
        link = client.mail_token(f"parent-{number}@example.fr")
        client.sign(None, parent_phone, "+33" + parent_phone[1:], None, link)
        print(
            f"\r{number + 1}/{count} conventions signed by school, pupil and legal representative", end="", flush=True
        )
    print()
    return host, ids, pupils


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conventions", type=int, default=50)
    args = parser.parse_args()

    uri = broker.with_vhost(os.environ.get("AMQP_URI", DEFAULT_AMQP_URI), f"e1s-bench-{uuid.uuid4().hex[:8]}")
    print(broker.ensure_vhost(uri))
    state = Path(tempfile.mkdtemp(prefix="e1s-bench-signing-"))
    os.environ.update({"STATE_DIR": str(state), "AMQP_URI": uri, "LOG_LEVEL": "WARNING"})
    for name in SERVICES:
        os.environ.pop(f"DATABASE_URL_{name.upper()}", None)
        upgrade(name)
    load_sample(f"sqlite:///{state / 'matching.db'}")
    port = free_port()
    env = {**os.environ, "GATEWAY_PORT": str(port), "PUBLIC_URL": f"http://127.0.0.1:{port}", "MIGRATE_ON_START": "0"}
    group = ProcessGroup(env, state / "logs", port)
    try:
        group.start()
        group.wait_ready(90)
        client = Client(f"http://127.0.0.1:{port}", state)
        host, ids, _ = prepare(client, args.conventions)

        started = time.perf_counter()
        sign_seconds = client.sign(host, "0611111111", "+33611111111", ids)
        signed_at = time.perf_counter() - sign_seconds
        ready: dict[int, float] = {}
        while len(ready) < len(ids):
            listed = client.call(
                "GET", "/api/v1/conventions", host, params={"status": "signed_by_all", "per_page": 100}
            )
            for item in listed["results"]:
                if item["pdf_ready"] and item["id"] not in ready:
                    ready[item["id"]] = time.perf_counter() - signed_at
            if time.perf_counter() - started > 600:
                print(f"only {len(ready)} PDFs after 10 minutes")
                return 1
            time.sleep(0.2)
        all_ready = max(ready.values())
        identity = load_seal_identity(state)
        broken = 0
        for convention_id in ids:
            pdf = client.call("GET", f"/api/v1/conventions/{convention_id}/pdf", host).content
            check = verify_seal(pdf, identity)
            broken += not (check.intact and check.trusted and check.covers_whole_file)
        print(f"group signing of {len(ids)} conventions: the sign call answered in {sign_seconds:.3f} s (target ≤ 1 s)")
        print(f"all {len(ids)} sealed PDFs ready {all_ready:.1f} s after the signature (target ≤ 60 s)")
        print(f"time per PDF: {all_ready / len(ids):.2f} s (end to end, {len(ids)} in a row)")
        print(f"seals checked: {len(ids) - broken} valid, {broken} invalid")
        return 0 if broken == 0 else 1
    finally:
        group.stop()
        broker.delete_vhost(uri)


if __name__ == "__main__":
    sys.exit(main())
