"""Clients of the fault tests' load along the applications journey: a host's team publishing
offers, pupils applying to them, pupils approving the applications their host accepted, hosts
signing batches of conventions with the SMS code (the last two through a ``Backlog`` prepared
beforehand, ``tests.support.journey_backlog``). Each sends a step again after a 503 or a
dropped connection as a person would, until it is answered, and keeps the answers, so that the
test can check afterwards that the platform did exactly that; once told to stop, a client
finishes the step under way and begins no other."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import eventlet
import requests

from tests.support.accounts import Account
from tests.support.conventions import drawn_signature
from tests.support.journey_backlog import PendingApproval, SigningBatch
from tests.support.offers import offer_body
from tests.support.sms import codes_texted

Call = Callable[..., requests.Response | None]
"""``Load.call``: an answer, or None when the connection failed (the gateway was away)."""

RETRY_PAUSE = 0.2
ANSWER_WITHIN = 120.0
"""Longest a client sends one step again (503s, dropped connections): longer than any restart,
so that every step a client began ends with an answer, also one under way when the load stops."""
SMS_WAIT = 20.0
"""Longest wait for the code of a request answered 202: its SMS is written before the answer."""
WRONG_CODES_TRIED = 3


def error_code(answer: requests.Response) -> str | None:
    try:
        return answer.json().get("code")
    except ValueError:
        return None


def answered(call: Call, name: str, method: str, url: str, **options: Any) -> tuple[requests.Response | None, bool]:
    """The first answer other than a 503 to the same request sent again and again (None past
    ``ANSWER_WITHIN``), and whether a try went unanswered before (a 503 or a dropped
    connection: what it asked may have been done)."""
    deadline = time.monotonic() + ANSWER_WITHIN
    unsure = False
    while time.monotonic() < deadline:
        answer = call(name, method, url, **options)
        if answer is not None and answer.status_code != 503:
            return answer, unsure
        unsure = True
        eventlet.sleep(RETRY_PAUSE)
    return None, unsure


@dataclass
class Approvals:
    """Pupils approving, one after another, ``pace`` seconds apart."""

    call: Call
    url: str
    pending: list[PendingApproval]
    pace: float
    approved: dict[int, int] = field(default_factory=dict)
    """Application id: convention id, of every approval answered 200."""
    unanswered: set[int] = field(default_factory=set)
    """Approvals answered 409 ``INVALID_TRANSITION`` after a 503 or a dropped connection: the
    call that got no answer was made (its request waited in the restarted service's queue)."""
    full: set[int] = field(default_factory=set)
    """Approvals answered 409 ``NO_SEAT_LEFT``."""
    surprises: list[str] = field(default_factory=list)
    stop: bool = False

    def run(self) -> None:
        for pending in self.pending:
            if self.stop:
                return
            self.approve(pending)
            eventlet.sleep(self.pace)

    def approve(self, pending: PendingApproval) -> None:
        path = f"{self.url}/api/v1/applications/{pending.application_id}/approve"
        answer, unsure = answered(self.call, "approve", "POST", path, headers=pending.pupil.headers)
        code = answer is not None and error_code(answer)
        if answer is not None and answer.status_code == 200:
            self.approved[pending.application_id] = answer.json()["convention_id"]
        elif code == "NO_SEAT_LEFT":
            self.full.add(pending.application_id)
        elif code == "INVALID_TRANSITION" and unsure:
            self.unanswered.add(pending.application_id)
        else:
            self.surprises.append(f"approve {pending.application_id}: {describe(answer)}")


def describe(answer: requests.Response | None) -> str:
    """An answer in a surprise's words."""
    if answer is None:
        return f"no answer but 503s for {ANSWER_WITHIN} s"
    return f"{answer.status_code} {answer.text[:200]}"


@dataclass
class GroupSignatures:
    """Hosts signing their batch (« signer plusieurs conventions »), one after another: a
    code asked for the batch, read from the SMS outbox, then one drawn signature for all."""

    call: Call
    url: str
    state_dir: Path
    batches: list[SigningBatch]
    pace: float
    signed: dict[int, list[int]] = field(default_factory=dict)
    """Batch number: the ids answered 200."""
    unanswered: set[int] = field(default_factory=set)
    """Batches answered 410 ``CODE_ALREADY_USED`` after a 503 or a dropped connection: the
    signature that got no answer was made."""
    codes_answered: Counter[int] = field(default_factory=Counter)
    """Batch number: code requests answered 202."""
    surprises: list[str] = field(default_factory=list)
    stop: bool = False

    def run(self) -> None:
        for number, batch in enumerate(self.batches):
            if self.stop:
                return
            self.sign(number, batch)
            eventlet.sleep(self.pace)

    def ask_code(self, number: int, batch: SigningBatch) -> tuple[str, str, bool] | None:
        """The request's id and the newest code texted once a request is answered 202, and
        whether a request went unanswered before (its late SMS may carry an older code)."""
        texted = len(codes_texted(self.state_dir, batch.e164))
        body = {"convention_ids": batch.convention_ids, "phone": batch.phone}
        path = f"{self.url}/api/v1/signatures/code"
        answer, unsure = answered(self.call, "code", "POST", path, json=body, headers=batch.host.headers)
        if answer is None or answer.status_code != 202:
            self.surprises.append(f"code for batch {number}: {describe(answer)}")
            return None
        self.codes_answered[number] += 1
        # Its SMS was written before the answer; a late one of a request answered 503 may follow.
        deadline = time.monotonic() + SMS_WAIT
        while len(codes := codes_texted(self.state_dir, batch.e164)) <= texted:
            if time.monotonic() > deadline:
                self.surprises.append(f"no SMS to {batch.e164} for a code answered 202")
                return None
            eventlet.sleep(0.1)
        return answer.json()["signature_request_id"], codes[-1], unsure

    def sign(self, number: int, batch: SigningBatch) -> None:
        asked = self.ask_code(number, batch)
        if asked is None:
            return
        request_id, code, late_codes_possible = asked
        for _ in range(WRONG_CODES_TRIED):
            body = {"signature_request_id": request_id, "code": code, "signature_image": drawn_signature()}
            path = f"{self.url}/api/v1/signatures/sign"
            answer, unsure = answered(self.call, "sign", "POST", path, json=body, headers=batch.host.headers)
            code_name = answer is not None and error_code(answer)
            if code_name == "WRONG_CODE" and late_codes_possible:
                # The SMS read was the late one of a request answered 503; the newest is this one's.
                eventlet.sleep(1.0)
                code = codes_texted(self.state_dir, batch.e164)[-1]
                continue
            if answer is not None and answer.status_code == 200:
                self.signed[number] = answer.json()["signed"]
            elif code_name == "CODE_ALREADY_USED" and unsure:
                self.unanswered.add(number)
            else:
                self.surprises.append(f"sign batch {number}: {describe(answer)}")
            return
        self.surprises.append(f"sign batch {number}: {WRONG_CODES_TRIED} wrong codes")


@dataclass
class Publications:
    """A host's team publishing offers, ``pace`` seconds apart, each with its own
    ``Idempotency-Key``, sent again as it was after a 503 or a dropped connection."""

    call: Call
    url: str
    host: Account
    week: str
    pace: float
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    published: dict[str, int] = field(default_factory=dict)
    """Title: id, of every offer answered 201."""
    tried: list[str] = field(default_factory=list)
    """The title of every offer sent, answered or not."""
    surprises: list[str] = field(default_factory=list)
    stop: bool = False

    def run(self) -> None:
        while not self.stop:
            title = f"Stage publié sous charge {self.tag} n° {len(self.tried)}"
            self.tried.append(title)
            body = offer_body(title=title, college_weeks=[self.week], max_candidates=3)
            headers = {**self.host.headers, "Idempotency-Key": uuid.uuid4().hex}
            answer, _ = answered(self.call, "publish", "POST", f"{self.url}/api/v1/offers", json=body, headers=headers)
            if answer is not None and answer.status_code == 201:
                self.published[title] = answer.json()["id"]
            else:
                self.surprises.append(f"publish {title}: {describe(answer)}")
            eventlet.sleep(self.pace)


@dataclass
class Applications:
    """Pupils applying to each offer of ``offers`` as it is published, each application with
    its own ``Idempotency-Key``, sent again as it was after a 503 or a dropped connection."""

    call: Call
    url: str
    pupils: list[Account]
    week: str
    offers: Publications
    applied: dict[tuple[int, int], int] = field(default_factory=dict)
    """(offer id, pupil's user id): application id, of every application answered 201."""
    surprises: list[str] = field(default_factory=list)
    stop: bool = False

    def run(self) -> None:
        done: set[int] = set()
        while not self.stop:
            for offer_id in [offer for offer in self.offers.published.values() if offer not in done]:
                done.add(offer_id)
                for pupil in self.pupils:
                    if not self.stop:
                        self.apply(offer_id, pupil)
            eventlet.sleep(0.2)

    def apply(self, offer_id: int, pupil: Account) -> None:
        body = {"weeks": [self.week], "motivation": "Je postule pendant les pannes."}
        headers = {**pupil.headers, "Idempotency-Key": uuid.uuid4().hex}
        path = f"{self.url}/api/v1/offers/{offer_id}/applications"
        answer, _ = answered(self.call, "apply", "POST", path, json=body, headers=headers)
        if answer is not None and answer.status_code == 201:
            self.applied[offer_id, pupil.user_id] = answer.json()["id"]
        else:
            self.surprises.append(f"apply to {offer_id}: {describe(answer)}")
