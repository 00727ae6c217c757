"""Recording deliveries with their cause, sending them after commit, retrying the failed ones.

A delivery is recorded in the transaction of its cause, due at once; it is sent only after
that transaction commits. Each attempt first *claims* the delivery in a short transaction (an
atomic UPDATE that counts the attempt and leases the delivery for ``SEND_LEASE``), sends
with no transaction open, then records the outcome. So the immediate send, the retry timer
and other replicas never send the same delivery at the same time, and the database is never
held while a remote server answers. Delivery is at least once: a process that dies between
sending and recording the outcome sends again when the lease has expired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.database import utcnow
from services.notifications.mail import MailSender
from services.notifications.messages import normalize_recipient
from services.notifications.models import Delivery
from services.notifications.outgoing import Channel, OutgoingMessage, Status
from services.notifications.retry_policy import MAX_ATTEMPTS, SEND_LEASE, next_attempt_after_failure
from services.notifications.sms import SmsSender

_log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractContextManager[Session]]
"""Opens a unit of work: ``self.db.transaction`` in a service."""

LOG_LIMIT_MAX = 500
_ERROR_MAX_LENGTH = 1000


@dataclass(frozen=True)
class Senders:
    """The transports of one process."""

    mail: MailSender
    sms: SmsSender


def record(
    session: Session, message: OutgoingMessage, *, event_id: str | None = None, reference: str | None = None
) -> int:
    """Record ``message`` as a pending delivery in ``session``; returns its id.

    A delivery already recorded for the same event (same channel, recipient and template)
    or the same reference is returned instead of a second one.
    """
    existing = _find_recorded(session, message, event_id, reference)
    if existing is not None:
        return existing
    now = utcnow()
    delivery = Delivery(
        event_id=event_id,
        reference=reference,
        channel=message.channel.value,
        template=message.template,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        html=message.html,
        status=Status.PENDING.value,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery.id


def record_once(transaction: Transaction, message: OutgoingMessage, *, reference: str) -> int:
    """Record ``message`` under ``reference`` in a transaction of its own; returns the id.

    Two concurrent calls with one reference both look, find nothing and insert; the unique
    constraint refuses the second, which then finds the first's row.
    """
    try:
        with transaction() as session:
            return record(session, message, reference=reference)
    except IntegrityError:
        with transaction() as session:
            return record(session, message, reference=reference)


def send_deliveries(transaction: Transaction, senders: Senders, delivery_ids: Iterable[int]) -> None:
    """Send each of these deliveries that is due (call it after their transaction committed)."""
    for delivery_id in delivery_ids:
        attempt(transaction, senders, delivery_id)


def retry_due(transaction: Transaction, senders: Senders, limit: int = 100) -> int:
    """Send the deliveries whose next attempt is due (the timer's job); returns how many were sent.

    This also sends a delivery whose immediate send never happened (the process stopped
    between the commit and the send).
    """
    with transaction() as session:
        due = session.scalars(
            select(Delivery.id)
            .where(Delivery.next_attempt_at <= utcnow())
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
        ).all()
    outcomes = [attempt(transaction, senders, delivery_id) for delivery_id in due]
    return outcomes.count(Status.SENT)


def attempt(transaction: Transaction, senders: Senders, delivery_id: int) -> Status | None:
    """Make one attempt at a delivery; None when it is not due or someone else is sending it."""
    claimed = _claim(transaction, delivery_id)
    if claimed is None:
        return None
    try:
        _transmit(senders, claimed)
    except Exception as error:  # any transport failure: recorded, retried later
        retry_at = next_attempt_after_failure(claimed.attempts, utcnow())
        _log.warning(
            "delivery %s failed (attempt %s/%s): %s", claimed.id, claimed.attempts, MAX_ATTEMPTS, _describe(error)
        )
        _finish(
            transaction, claimed.id, status=Status.FAILED.value, last_error=_describe(error), next_attempt_at=retry_at
        )
        return Status.FAILED
    # last_error stays: "sent at the third attempt, after this error" is worth keeping.
    _finish(transaction, claimed.id, status=Status.SENT.value, sent_at=utcnow(), next_attempt_at=None)
    return Status.SENT


def delivery_log(session: Session, recipient: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent deliveries, newest first, optionally to one recipient, as JSON values.

    Bodies are included: they hold links with tokens and codes, so this is for operators
    and tests, never for a user-facing route.
    """
    query = select(Delivery).order_by(Delivery.id.desc()).limit(max(1, min(int(limit), LOG_LIMIT_MAX)))
    if recipient:
        query = query.where(Delivery.recipient == normalize_recipient(recipient))
    return [_as_json(delivery) for delivery in session.scalars(query)]


@dataclass(frozen=True)
class _Claimed:
    """What one attempt needs, read while claiming, so no session stays open while sending."""

    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    html: str | None
    attempts: int


def _find_recorded(
    session: Session, message: OutgoingMessage, event_id: str | None, reference: str | None
) -> int | None:
    if reference is not None:
        query = select(Delivery.id).where(Delivery.channel == message.channel.value, Delivery.reference == reference)
    elif event_id is not None:
        query = select(Delivery.id).where(
            Delivery.event_id == event_id,
            Delivery.channel == message.channel.value,
            Delivery.recipient == message.recipient,
            Delivery.template == message.template,
        )
    else:
        return None
    return session.scalars(query).first()


def _claim(transaction: Transaction, delivery_id: int) -> _Claimed | None:
    with transaction() as session:
        now = utcnow()
        # One atomic UPDATE decides who sends: a concurrent claimer finds next_attempt_at
        # moved to the end of the lease and updates nothing.
        claimed = session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.next_attempt_at <= now,
                Delivery.status != Status.SENT.value,
                Delivery.attempts < MAX_ATTEMPTS,
            )
            .values(attempts=Delivery.attempts + 1, next_attempt_at=now + SEND_LEASE)
            .returning(
                Delivery.id,
                Delivery.channel,
                Delivery.recipient,
                Delivery.subject,
                Delivery.body,
                Delivery.html,
                Delivery.attempts,
            )
            .execution_options(synchronize_session=False)
        ).first()
        return _Claimed(**claimed._mapping) if claimed is not None else None


def _transmit(senders: Senders, delivery: _Claimed) -> None:
    if delivery.channel == Channel.EMAIL:
        senders.mail.send(delivery.id, delivery.recipient, delivery.subject or "", delivery.body, delivery.html or "")
    elif delivery.channel == Channel.SMS:
        senders.sms.send(delivery.id, delivery.recipient, delivery.body)
    else:
        raise ValueError(f"unknown channel {delivery.channel!r}")


def _finish(transaction: Transaction, delivery_id: int, **values: Any) -> None:
    with transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:_ERROR_MAX_LENGTH]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _as_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "reference": delivery.reference,
        "channel": delivery.channel,
        "template": delivery.template,
        "recipient": delivery.recipient,
        "subject": delivery.subject,
        "body": delivery.body,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "created_at": _iso(delivery.created_at),
        "sent_at": _iso(delivery.sent_at),
        "next_attempt_at": _iso(delivery.next_attempt_at),
    }
