"""Recording, sending and retrying deliveries on the real database (TEST_DATABASE), with fake transports."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from services.common.database import UnitOfWork, utcnow
from services.notifications import dispatch, messages
from services.notifications.models import Delivery, ProcessedEvent
from services.notifications.outgoing import Channel, OutgoingMessage, Status
from services.notifications.retry_policy import MAX_ATTEMPTS
from tests.support.databases import DatabaseSet

pytestmark = pytest.mark.integration

EMAIL = OutgoingMessage(
    channel=Channel.EMAIL,
    template="email_confirmation",
    recipient="zoe@example.fr",
    subject="Confirmez votre adresse e-mail – 1 élève 1 stage",
    body="Bonjour Zoé, http://e1s.test/confirmer-mon-email?token=t1",
    html="<p>Bonjour Zoé</p>",
)


class FakeMail:
    """Keeps what it is asked to send; fails while ``failure`` is set."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []
        self.calls = 0
        self.failure: Exception | None = None

    def send(self, delivery_id: int, to: str, subject: str, text: str, html: str) -> None:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        self.sent.append((delivery_id, to, subject))


class FakeSms:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []

    def send(self, delivery_id: int, to_e164: str, text: str) -> None:
        self.sent.append((delivery_id, to_e164, text))


@pytest.fixture
def transaction(databases: DatabaseSet) -> dispatch.Transaction:
    databases.empty()
    factory = sessionmaker(
        databases.engine("notifications"),
        expire_on_commit=False,
        info={"outbox_model": None, "processed_model": ProcessedEvent},
    )
    return UnitOfWork(factory, lambda session: None).transaction


@pytest.fixture
def mail() -> FakeMail:
    return FakeMail()


@pytest.fixture
def sms() -> FakeSms:
    return FakeSms()


@pytest.fixture
def senders(mail: FakeMail, sms: FakeSms) -> dispatch.Senders:
    return dispatch.Senders(mail=mail, sms=sms)


def recorded(transaction: dispatch.Transaction, message: OutgoingMessage = EMAIL, **keys: Any) -> int:
    with transaction() as session:
        return dispatch.record(session, message, **keys)


def row(transaction: dispatch.Transaction, delivery_id: int) -> Delivery:
    with transaction() as session:
        return session.get_one(Delivery, delivery_id)


def make_due(transaction: dispatch.Transaction) -> None:
    """Move every scheduled attempt into the past, as if the retry delay had elapsed."""
    with transaction() as session:
        session.execute(
            sa.update(Delivery)
            .where(Delivery.next_attempt_at.is_not(None))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_a_recorded_delivery_is_sent_after_commit_and_marked_sent(
    transaction: dispatch.Transaction, senders: dispatch.Senders, mail: FakeMail
) -> None:
    delivery_id = recorded(transaction, event_id="e-1")
    assert row(transaction, delivery_id).status == Status.PENDING

    dispatch.send_deliveries(transaction, senders, [delivery_id])

    assert mail.sent == [(delivery_id, "zoe@example.fr", EMAIL.subject)]
    delivery = row(transaction, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.SENT, 1, None)
    assert delivery.sent_at is not None and delivery.sent_at.utcoffset() == timedelta(0)
    assert delivery.next_attempt_at is None


def test_a_sent_delivery_is_never_sent_again(
    transaction: dispatch.Transaction, senders: dispatch.Senders, mail: FakeMail
) -> None:
    delivery_id = recorded(transaction, event_id="e-1")

    dispatch.send_deliveries(transaction, senders, [delivery_id])
    dispatch.send_deliveries(transaction, senders, [delivery_id])
    make_due(transaction)
    assert dispatch.retry_due(transaction, senders) == 0

    assert len(mail.sent) == 1


def test_a_delivery_being_sent_is_not_taken_by_a_concurrent_attempt(
    transaction: dispatch.Transaction, sms: FakeSms
) -> None:
    delivery_id = recorded(transaction, messages.sms("+33612345678", "code 123 456"), reference="sig-1")
    others = dispatch.Senders(mail=FakeMail(), sms=sms)
    during_send: list[Any] = []

    class SmsWithTimerFiringMidSend(FakeSms):
        def send(self, delivery_id: int, to_e164: str, text: str) -> None:
            # While this attempt is in flight, the retry timer (or another replica) runs.
            during_send.append(dispatch.attempt(transaction, others, delivery_id))
            during_send.append(dispatch.retry_due(transaction, others))
            super().send(delivery_id, to_e164, text)

    first = SmsWithTimerFiringMidSend()
    outcome = dispatch.attempt(transaction, dispatch.Senders(mail=FakeMail(), sms=first), delivery_id)

    assert outcome == Status.SENT
    assert during_send == [None, 0]
    assert sms.sent == []
    assert [sent[0] for sent in first.sent] == [delivery_id]
    assert row(transaction, delivery_id).attempts == 1


def test_a_failed_delivery_keeps_its_error_and_is_retried_when_due(
    transaction: dispatch.Transaction, senders: dispatch.Senders, mail: FakeMail
) -> None:
    delivery_id = recorded(transaction, event_id="e-1")
    mail.failure = ConnectionRefusedError("relais SMTP injoignable")

    before = utcnow()
    dispatch.send_deliveries(transaction, senders, [delivery_id])

    delivery = row(transaction, delivery_id)
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert delivery.last_error == "ConnectionRefusedError: relais SMTP injoignable"
    assert delivery.next_attempt_at is not None
    assert before + timedelta(seconds=29) < delivery.next_attempt_at < utcnow() + timedelta(seconds=31)
    assert dispatch.retry_due(transaction, senders) == 0  # not due yet
    assert mail.calls == 1

    mail.failure = None
    make_due(transaction)
    assert dispatch.retry_due(transaction, senders) == 1

    delivery = row(transaction, delivery_id)
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)
    assert delivery.last_error == "ConnectionRefusedError: relais SMTP injoignable"  # kept for the record
    assert mail.sent == [(delivery_id, "zoe@example.fr", EMAIL.subject)]


def test_retries_stop_after_five_attempts(
    transaction: dispatch.Transaction, senders: dispatch.Senders, mail: FakeMail
) -> None:
    delivery_id = recorded(transaction, event_id="e-1")
    mail.failure = TimeoutError("timed out")
    dispatch.send_deliveries(transaction, senders, [delivery_id])

    for _ in range(10):
        make_due(transaction)
        dispatch.retry_due(transaction, senders)

    assert mail.calls == MAX_ATTEMPTS == 5
    delivery = row(transaction, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (Status.FAILED, 5, None)


def test_a_delivery_left_pending_by_a_crash_is_sent_by_the_retry(
    transaction: dispatch.Transaction, senders: dispatch.Senders, sms: FakeSms
) -> None:
    # Committed, then the process stopped before sending: nobody called send_deliveries.
    delivery_id = recorded(transaction, messages.sms("+33612345678", "code 654 321"), reference="sig-2")

    assert dispatch.retry_due(transaction, senders) == 1

    assert sms.sent == [(delivery_id, "+33612345678", "code 654 321")]
    assert row(transaction, delivery_id).status == Status.SENT


def test_recording_is_idempotent_on_the_event_and_on_the_reference(transaction: dispatch.Transaction) -> None:
    first = recorded(transaction, event_id="e-1")
    assert recorded(transaction, event_id="e-1") == first
    assert recorded(transaction, event_id="e-2") != first

    text = messages.sms("+33612345678", "code 111 111")
    by_reference = dispatch.record_once(transaction, text, reference="sig-1")
    assert dispatch.record_once(transaction, messages.sms("+33699999999", "autre"), reference="sig-1") == by_reference

    with transaction() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 3


def test_the_database_refuses_a_second_message_for_one_event(transaction: dispatch.Transaction) -> None:
    recorded(transaction, event_id="e-1")

    with pytest.raises(sa.exc.IntegrityError), transaction() as session:
        session.add(
            Delivery(
                event_id="e-1",
                channel="email",
                template=EMAIL.template,
                recipient=EMAIL.recipient,
                body="x",
                status="pending",
                attempts=0,
                created_at=utcnow(),
            )
        )


def test_the_delivery_log_is_newest_first_filtered_and_json(
    transaction: dispatch.Transaction, senders: dispatch.Senders
) -> None:
    email_id = recorded(transaction, event_id="e-1")
    first_sms = dispatch.record_once(transaction, messages.sms("+33612345678", "code 1"), reference="r-1")
    second_sms = dispatch.record_once(transaction, messages.sms("+33612345678", "code 2"), reference="r-2")
    dispatch.send_deliveries(transaction, senders, [email_id, first_sms])

    with transaction() as session:
        everything = dispatch.delivery_log(session)
        to_phone = dispatch.delivery_log(session, recipient="06 12 34 56 78")
        to_email = dispatch.delivery_log(session, recipient="Zoe@Example.fr")
        latest = dispatch.delivery_log(session, limit=1)

    assert [d["id"] for d in everything] == [second_sms, first_sms, email_id]
    assert [d["id"] for d in to_phone] == [second_sms, first_sms]
    assert [d["id"] for d in to_email] == [email_id]
    assert [d["id"] for d in latest] == [second_sms]
    assert json.loads(json.dumps(everything)) == everything
    sent_email = everything[2]
    assert sent_email["status"] == "sent"
    assert sent_email["channel"] == "email"
    assert sent_email["event_id"] == "e-1"
    assert sent_email["sent_at"].endswith("+00:00")
    assert everything[0]["status"] == "pending"
    assert everything[0]["reference"] == "r-2"


def test_notifications_has_no_outbox(databases: DatabaseSet) -> None:
    """Notifications publishes no event: no outbox table to relay, no relay polling it."""
    from services.notifications.service import NotificationsService

    tables = sa.inspect(databases.engine("notifications")).get_table_names()
    assert {"deliveries", "processed_events"} <= set(tables)
    assert "outbox" not in tables
    assert NotificationsService.db.outbox_model is None
