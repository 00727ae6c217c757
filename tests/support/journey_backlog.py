"""Work left for the last steps of the applications journey, made through the gateway before a
test starts its load: applications the host has accepted, awaiting their pupil's approval, and
batches of conventions ready to sign, awaiting their host's group signature (« signer
plusieurs conventions »). The calls go a few at a time, so that preparing stays short."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import eventlet
import requests

from tests.support.accounts import Account, confirmed_account
from tests.support.conventions import HOST_PART, SCHOOL_PART, SCHOOL_UAI, college_week
from tests.support.offers import offer_body

IN_FLIGHT = 6
"""Calls at once while preparing: more only queue behind one another on a 2-core machine."""

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class PendingApproval:
    """An application validated by the host, which its pupil may now approve."""

    pupil: Account
    application_id: int


@dataclass(frozen=True)
class SigningBatch:
    """Conventions of one host's team, ready to sign; the host signs with ``phone``."""

    host: Account
    phone: str
    e164: str
    convention_ids: list[int]


@dataclass(frozen=True)
class Backlog:
    """What ``prepare`` made: one offer with its pending approvals, and the signing batches."""

    manager: Account
    approval_host: Account
    approval_offer: dict[str, Any]
    approvals: list[PendingApproval]
    batches: list[SigningBatch]
    signing_pupils: list[Account]
    """The pupils of every batch (one convention in each)."""


def at_once(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``function`` of each item, ``IN_FLIGHT`` at a time, in the items' order."""
    return list(eventlet.GreenPool(IN_FLIGHT).imap(function, items))


class Gateway:
    """Calls that must succeed while preparing (an error stops the test with its answer)."""

    def __init__(self, url: str, state_dir: Path) -> None:
        self.url = url
        self.state_dir = state_dir

    def call(self, method: str, path: str, account: Account, status: int = 200, **options: Any) -> dict[str, Any]:
        answer = requests.request(method, f"{self.url}{path}", headers=account.headers, timeout=30, **options)
        assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text[:300]}"
        return answer.json()

    def account(self, role_and_fields: tuple[str, dict[str, Any]]) -> Account:
        role, fields = role_and_fields
        return confirmed_account(self.url, self.state_dir, role, **fields)


def prepare(url: str, state_dir: Path, *, approvals: int, seats: int, batches: int, batch_size: int) -> Backlog:
    """``approvals`` pupils accepted on one offer of ``seats`` seats, and ``batches`` hosts,
    each with ``batch_size`` conventions ready to sign (host and school parts done), all of
    one school whose head is ``manager``. The same ``batch_size`` pupils have a convention
    with every signing host, each for another week (fewer accounts to make). Pupils who
    approve are named apart (``Approbation03``): the platform's emails name them."""
    gateway = Gateway(url, state_dir)
    tag = uuid.uuid4().hex[:4]
    pupil = {"school_uai": SCHOOL_UAI, "grade": "troisieme", "first_name": "Léa"}
    wanted: list[tuple[str, dict[str, Any]]] = [
        ("school_manager", {"school_uai": SCHOOL_UAI}),
        ("employer", {}),
        *(("employer", {"last_name": f"Hôte{number}"}) for number in range(batches)),
        *(("student", {**pupil, "last_name": f"Approbation{number:02d}"}) for number in range(approvals)),
        *(("student", {**pupil, "last_name": f"Signature{number}"}) for number in range(batch_size)),
    ]
    accounts = at_once(gateway.account, wanted)
    manager, approval_host = accounts[0], accounts[1]
    hosts = accounts[2 : 2 + batches]
    approving = accounts[2 + batches : 2 + batches + approvals]
    signing = accounts[2 + batches + approvals :]

    def publish(host_seats_week: tuple[Account, int, str]) -> dict[str, Any]:
        host, count, week = host_seats_week
        body = offer_body(college_weeks=[week], max_candidates=count, title=f"Stage {tag} de {host.last_name}")
        return gateway.call("POST", "/api/v1/offers", host, 201, json=body)

    # The signing hosts' offers each for another week: a pupil has one internship a week.
    publishing = [
        (approval_host, seats, college_week(-1)),
        *((host, batch_size, college_week(-1 - number)) for number, host in enumerate(hosts)),
    ]
    offers = at_once(publish, publishing)
    # Each application: the pupil, the host who accepts it, the offer and its week.
    applying = [(p, approval_host, offers[0], publishing[0][2]) for p in approving] + [
        (p, host, offer, week)
        for (host, _, week), offer in zip(publishing[1:], offers[1:], strict=True)
        for p in signing
    ]

    def accepted(application: tuple[Account, Account, dict[str, Any], str]) -> int:
        """The pupil applies, the host accepts; the application's id."""
        pupil, host, offer, week = application
        body = {"weeks": [week], "motivation": "Je veux découvrir ce métier."}
        headers = {**pupil.headers, "Idempotency-Key": uuid.uuid4().hex}
        answer = requests.post(
            f"{url}/api/v1/offers/{offer['id']}/applications", json=body, headers=headers, timeout=30
        )
        assert answer.status_code == 201, answer.text
        application_id = answer.json()["id"]
        gateway.call("POST", f"/api/v1/applications/{application_id}/validate", host)
        return application_id

    application_ids = at_once(accepted, applying)

    def ready(pupil_host_application: tuple[Account, Account, int]) -> int:
        """The pupil approves; host and school do their parts: the convention's id, ready to sign."""
        pupil, host, application_id = pupil_host_application
        approved = gateway.call("POST", f"/api/v1/applications/{application_id}/approve", pupil)
        path = f"/api/v1/conventions/{approved['convention_id']}"
        gateway.call("PATCH", path, host, json=HOST_PART)
        gateway.call("POST", f"{path}/complete", host)
        gateway.call("PATCH", path, manager, json=SCHOOL_PART)
        assert gateway.call("POST", f"{path}/validate", manager)["status"] == "ready_to_sign"
        return approved["convention_id"]

    to_sign = [(p, h, a) for (p, h, _, _), a in zip(applying, application_ids, strict=True)][approvals:]
    convention_ids = at_once(ready, to_sign)
    digits = f"{int(tag, 16) % 10_000:04d}"  # phones apart from another preparation's
    return Backlog(
        manager=manager,
        approval_host=approval_host,
        approval_offer=offers[0],
        approvals=[PendingApproval(p, a) for p, a in zip(approving, application_ids[:approvals], strict=True)],
        batches=[
            SigningBatch(
                host=host,
                phone=f"06 10 {digits[:2]} {digits[2:]} {number:02d}",
                e164=f"+33610{digits}{number:02d}",
                convention_ids=convention_ids[number * batch_size : (number + 1) * batch_size],
            )
            for number, host in enumerate(hosts)
        ],
        signing_pupils=signing,
    )
