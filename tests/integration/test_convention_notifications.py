"""The conventions' events reach exactly their recipients: notifications and identity in real
containers, on the real broker and database.

Accounts are created through identity; each event is published as the conventions outbox
relay publishes it (``conventions.events`` exchange, the type as routing key, the envelope as
body); the emails are read from the local outbox (``STATE_DIR/outbox/mail/*.eml``) and the SMS
from ``STATE_DIR/outbox/sms.jsonl``.
"""

from __future__ import annotations

import email
import json
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common import redelivery
from services.common.contracts import conventions as contract
from services.common.contracts import events
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from services.notifications.service import NotificationsService
from tests.support.databases import DatabaseSet
from tests.support.events import publish_event
from tests.support.listener import IdentityEventsListener
from tests.support.teams import default_space, join_team
from tests.support.vhosts import private_vhost

pytestmark = pytest.mark.integration

PASSWORD = "un-mot-de-passe-solide"
SCHOOL = "0752694W"
OTHER_SCHOOL = "0690001B"
PUBLIC_URL = "http://e1s.test"
ALICE, CHLOE, BOB = "alice@boulangerie.example", "chloe@boulangerie.example", "bob@garage.example"
PAULE, THEO, NINA, LEA = (
    "principal@college.example",
    "prof@college.example",
    "nina@college.example",
    "lea@lycee.example",
)
ZOE, CLAIRE = "zoe@example.fr", "claire.martin@example.fr"
HOSTS = {ALICE, CHLOE}


# -- the outboxes -----------------------------------------------------------------------------


# team id → its default space, filled by sign_up_everyone (without it: no space, the owner is told)
SPACES: dict[int, int] = {}


class Outbox:
    """The local mail and SMS outboxes; ``new()`` answers what arrived since the last call."""

    def __init__(self, state_dir: Path) -> None:
        self.mail = state_dir / "outbox" / "mail"
        self.sms = state_dir / "outbox" / "sms.jsonl"
        self._seen_mail: set[Path] = set()
        self._seen_sms = 0

    def new(self) -> tuple[list[EmailMessage], list[dict[str, Any]]]:
        paths = sorted(set(self.mail.glob("*.eml")) - self._seen_mail) if self.mail.exists() else []
        self._seen_mail |= set(paths)
        mails = [email.message_from_bytes(path.read_bytes(), policy=default_policy) for path in paths]
        lines = self.sms.read_text(encoding="utf-8").splitlines() if self.sms.exists() else []
        texts = [json.loads(line) for line in lines[self._seen_sms :]]
        self._seen_sms = len(lines)
        return [m for m in mails if isinstance(m, EmailMessage)], texts


def recipients(mails: list[EmailMessage]) -> list[str]:
    return sorted(str(mail["To"]) for mail in mails)


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def mail_to(mails: list[EmailMessage], address: str) -> EmailMessage:
    [mail] = [m for m in mails if str(m["To"]) == address]
    return mail


def count_rows(databases: DatabaseSet, table: str) -> int:
    with databases.engine("notifications").connect() as connection:
        return int(connection.scalar(sa.text(f"SELECT count(*) FROM {table}")))  # noqa: S608 (a table name of ours)


# -- the parties ------------------------------------------------------------------------------


@pytest.fixture
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of each test's own: the durable queues of a test's notifications never hold
    the events of another test, and the accounts created before notifications start mail
    nobody a confirmation."""
    with private_vhost(amqp_uri, "e1s-test-conv-notif") as uri:
        yield uri


class Stack:
    """Identity (with matching, which checks schools at sign-up) and the accounts of one story."""

    def __init__(self, start_service: Callable[..., Any], databases: DatabaseSet) -> None:
        IdentityEventsListener.received.clear()
        self.start_service = start_service
        self.databases = databases
        self.listener = start_service(IdentityEventsListener)
        start_service(MatchingService)
        self.identity = start_service(IdentityService)
        self.users: dict[str, dict[str, Any]] = {}

    def signup(self, address: str, first_name: str, role: str, confirm: bool = True, **fields: Any) -> dict[str, Any]:
        body = {"email": address, "password": PASSWORD, "first_name": first_name, "last_name": "Test", "role": role}
        with (
            entrypoint_waiter(self.listener, "on_user_signed_up", timeout=10),
            entrypoint_hook(self.identity, "signup") as signup,
        ):
            user = signup({**body, **fields})
        if confirm:
            [event] = [
                e for e in IdentityEventsListener.of_type(events.USER_SIGNED_UP) if e["data"]["email"] == address
            ]
            with entrypoint_hook(self.identity, "confirm_email") as confirm_email:
                confirm_email({"token": event["data"]["confirmation_token"]})
        self.users[address] = user
        return user

    def join_team(self, address: str, team_id: int) -> None:
        """As an accepted invitation will (invitations come with their own issue)."""
        join_team(self.databases.engine("identity"), self.users[address]["id"], team_id)

    def sign_up_everyone(self) -> int:
        """The host's team (Alice, Chloé), another host, the school's staff and a pupil; the team id."""
        team_id = self.signup(ALICE, "Alice", "employer")["team_id"]
        self.signup(CHLOE, "Chloé", "employer")
        self.join_team(CHLOE, team_id)
        SPACES[team_id] = default_space(self.databases.engine("identity"), team_id)
        self.signup(BOB, "Bob", "employer")
        self.signup(PAULE, "Paule", "school_manager", school_uai=SCHOOL)
        self.signup(THEO, "Théo", "teacher", school_uai=SCHOOL)
        # The head confirms Théo: a teacher waiting for their head is told nothing of the pupils.
        head = {"user_id": self.users[PAULE]["id"], "role": "school_manager", "school_uai": SCHOOL}
        with entrypoint_hook(self.identity, "decide_school_staff") as decide:
            decide(head, self.users[THEO]["id"], "confirm")
        self.signup(NINA, "Nina", "teacher", confirm=False, school_uai=SCHOOL)
        self.signup(LEA, "Léa", "teacher", school_uai=OTHER_SCHOOL)
        self.signup(ZOE, "Zoé", "student", school_uai=SCHOOL, grade="troisieme")
        return team_id


@pytest.fixture
def stack(env: dict[str, str], start_service: Callable[..., Any], databases: DatabaseSet) -> Stack:
    SPACES.clear()  # ids come again once the databases are emptied
    return Stack(start_service, databases)


def application_data(team_id: int, zoe_id: int, **changes: Any) -> dict[str, Any]:
    # the offer is in the team's default space, where both members are notified
    data = contract.ApplicationEvent(
        application_id=31,
        offer_id=17,
        offer_title="Découverte de la boulangerie",
        team_id=team_id,
        space_id=SPACES.get(team_id),
        student_id=zoe_id,
        student_first_name="Zoé",
        student_name="Zoé Test",
        student_email=ZOE,
        weeks=["2027-W03"],
        status="submitted",
        by_role="student",
    ).model_dump(mode="json")
    return {**data, **changes}


def convention_data(team_id: int, zoe_id: int, **changes: Any) -> dict[str, Any]:
    data = contract.ConventionEvent(
        convention_id=41,
        offer_title="Découverte de la boulangerie",
        team_id=team_id,
        space_id=SPACES.get(team_id),
        school_uai=SCHOOL,
        student_id=zoe_id,
        student_first_name="Zoé",
        student_name="Zoé Test",
        student_email=ZOE,
        start_date="2027-01-18",
        end_date="2027-01-22",
        legal_representative_name="Claire Martin",
        legal_representative_email=CLAIRE,
        legal_representative_phone="+33698765432",
    ).model_dump(mode="json")
    return {**data, **changes}


def handle(notifications: Any, amqp_uri: str, event_type: str, event_id: str, data: dict[str, Any]) -> None:
    """Publish one event and wait until its handler has run (and sent what it recorded)."""
    handler = f"on_{event_type}"
    with entrypoint_waiter(notifications, handler, timeout=20) as result:
        publish_event(amqp_uri, "conventions", event_type, data, event_id)
    result.get()  # the handler raised nothing


# -- tests ------------------------------------------------------------------------------------


def test_each_application_event_reaches_exactly_its_recipients_once(
    stack: Stack, env: dict[str, str], amqp_uri: str, start_service: Callable[..., Any], databases: DatabaseSet
) -> None:
    team_id = stack.sign_up_everyone()
    zoe_id = stack.users[ZOE]["id"]
    notifications = start_service(NotificationsService)
    outbox = Outbox(Path(env["STATE_DIR"]))
    by_host = {"by_role": "employer"}
    cases: list[tuple[str, dict[str, Any], set[str]]] = [
        (contract.APPLICATION_SUBMITTED, {}, HOSTS),
        (contract.APPLICATION_VALIDATED, {"status": "validated", **by_host, "student_phone": "+33612345678"}, {ZOE}),
        (contract.APPLICATION_REJECTED, {"status": "rejected", **by_host, "reason": "Plus de place."}, {ZOE}),
        (contract.APPLICATION_CANCELLED, {"status": "cancelled", **by_host}, {ZOE}),
        (contract.APPLICATION_CANCELLED, {"status": "cancelled", "by_role": "student"}, HOSTS),
        (contract.APPLICATION_EXPIRED, {"status": "expired", "by_role": "system"}, {ZOE}),
        (contract.APPLICATION_APPROVED, {"status": "approved", "by_role": "student"}, HOSTS),
    ]  # fmt: skip

    for event_type, changes, expected in cases:
        event_id = str(uuid.uuid4())
        data = application_data(team_id, zoe_id, **changes)

        handle(notifications, amqp_uri, event_type, event_id, data)
        mails, texts = outbox.new()
        assert recipients(mails) == sorted(expected), event_type
        for mail in mails:
            assert "Découverte de la boulangerie" in str(mail["Subject"]) + text_of(mail)
            assert "du lundi 18 janvier au vendredi 22 janvier 2027" in text_of(mail)
        if event_type == contract.APPLICATION_VALIDATED:
            [sms] = texts
            assert sms["to"] == "+33612345678"
            assert "bonne nouvelle" in sms["text"].lower()
            assert "token" not in sms["text"]
        else:
            assert texts == []

        # The same event again (a redelivery, or the relay publishing twice): nothing more.
        handle(notifications, amqp_uri, event_type, event_id, data)
        assert outbox.new() == ([], []), f"{event_type} sent twice"

    assert count_rows(databases, "processed_events") == len(cases)
    assert count_rows(databases, "deliveries") == 2 + 2 + 1 + 1 + 2 + 1 + 2


def test_each_convention_event_reaches_exactly_its_recipients_once(
    stack: Stack, env: dict[str, str], amqp_uri: str, start_service: Callable[..., Any]
) -> None:
    team_id = stack.sign_up_everyone()
    zoe_id = stack.users[ZOE]["id"]
    notifications = start_service(NotificationsService)
    outbox = Outbox(Path(env["STATE_DIR"]))

    # To complete: the confirmed staff of the pupil's school and the host's team.
    created = convention_data(team_id, zoe_id)
    handle(notifications, amqp_uri, contract.CONVENTION_CREATED, "conv-created-1", created)
    mails, texts = outbox.new()
    assert recipients(mails) == sorted({PAULE, THEO, *HOSTS})
    assert texts == []
    assert "élève de votre établissement" in text_of(mail_to(mails, THEO))
    assert "tuteur" in text_of(mail_to(mails, ALICE))

    # To sign: each signatory; the school's head only; the legal representative's link.
    ready = convention_data(team_id, zoe_id, link_token="link-tok_0123456789")
    handle(notifications, amqp_uri, contract.CONVENTION_READY_TO_SIGN, "conv-ready-1", ready)
    mails, texts = outbox.new()
    assert recipients(mails) == sorted({PAULE, ZOE, CLAIRE, *HOSTS})
    assert f"{PUBLIC_URL}/signer-la-convention?token=link-tok_0123456789" in text_of(mail_to(mails, CLAIRE))
    for mail in mails:
        if str(mail["To"]) != CLAIRE:
            assert "token=" not in text_of(mail)
    [sms] = texts
    assert sms["to"] == "+33698765432"
    assert "signature" in sms["text"]
    assert "link-tok" not in sms["text"] and "http" not in sms["text"]

    # Signed by all: everyone; the legal representative here is also a teacher of the school,
    # who gets one email, not two.
    signed = convention_data(team_id, zoe_id, legal_representative_email="Prof@College.example")
    handle(notifications, amqp_uri, contract.CONVENTION_DOCUMENT_READY, "conv-signed-1", signed)
    mails, texts = outbox.new()
    assert recipients(mails) == sorted({PAULE, THEO, ZOE, *HOSTS})
    for mail in mails:
        assert f"{PUBLIC_URL}/mes-conventions?convention=41" in text_of(mail)
    assert texts == []

    for event_type, event_id, data in [
        (contract.CONVENTION_CREATED, "conv-created-1", created),
        (contract.CONVENTION_READY_TO_SIGN, "conv-ready-1", ready),
        (contract.CONVENTION_DOCUMENT_READY, "conv-signed-1", signed),
    ]:
        handle(notifications, amqp_uri, event_type, event_id, data)
        assert outbox.new() == ([], []), f"{event_type} sent twice"


def test_an_event_waits_for_identity_and_is_handled_once_it_answers(
    stack: Stack,
    env: dict[str, str],
    amqp_uri: str,
    start_service: Callable[..., Any],
    databases: DatabaseSet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redelivery, "REQUEUE_PAUSE_SECONDS", 0.2)
    team_id = stack.signup(ALICE, "Alice", "employer")["team_id"]
    zoe_id = 99
    stack.identity.stop()
    notifications = start_service(NotificationsService, RPC_TIMEOUT=1.0)
    outbox = Outbox(Path(env["STATE_DIR"]))
    failures: list[Any] = []

    def failed_twice(_worker_ctx: Any, _result: Any, exc_info: Any) -> bool:
        if exc_info is not None:
            failures.append(exc_info[1])
        return len(failures) >= 2

    # Identity is down: the handler fails, and the event comes back rather than being lost.
    data = application_data(team_id, zoe_id)
    with entrypoint_waiter(notifications, "on_application_submitted", timeout=20, callback=failed_twice):
        publish_event(amqp_uri, "conventions", contract.APPLICATION_SUBMITTED, data, "app-submitted-1")
    assert {getattr(error, "code", None) for error in failures} == {"SERVICE_UNAVAILABLE"}
    assert outbox.new() == ([], [])
    assert count_rows(databases, "deliveries") == 0
    assert count_rows(databases, "processed_events") == 0

    # Identity is back: the next delivery of the event sends the email, once.
    with entrypoint_waiter(
        notifications, "on_application_submitted", timeout=20, callback=lambda _c, _r, exc_info: exc_info is None
    ):
        start_service(IdentityService)
    mails, _ = outbox.new()
    assert recipients(mails) == [ALICE]
    assert count_rows(databases, "processed_events") == 1


def test_a_malformed_event_is_dropped_without_blocking_the_next(
    stack: Stack, env: dict[str, str], amqp_uri: str, start_service: Callable[..., Any], databases: DatabaseSet
) -> None:
    team_id = stack.signup(ALICE, "Alice", "employer")["team_id"]
    notifications = start_service(NotificationsService)
    outbox = Outbox(Path(env["STATE_DIR"]))

    # Retrying cannot mend it: acknowledged (and logged), not requeued forever.
    handle(notifications, amqp_uri, contract.APPLICATION_SUBMITTED, "bad-1", {"offer_title": "incomplet"})
    handle(notifications, amqp_uri, contract.APPLICATION_SUBMITTED, "good-1", application_data(team_id, 99))

    mails, _ = outbox.new()
    assert recipients(mails) == [ALICE]
    assert count_rows(databases, "processed_events") == 1
