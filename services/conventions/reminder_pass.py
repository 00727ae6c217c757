"""One pass of the reminders: expire what nobody answered, then remind hosts and signatories.

Safe with several replicas running it at once: each reminder is claimed by a conditional
UPDATE that repeats the rule (``... WHERE reminded_at IS NULL OR reminded_at <= cutoff``) in
a transaction of its own, with its event written to the outbox in that transaction. On
PostgreSQL a second replica's UPDATE waits for the first one's commit, then matches nothing;
SQLite runs one writer at a time. So each reminder is sent once, whoever runs the pass.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from services.common.contracts.conventions import (
    APPLICATIONS_AWAITING_HOST,
    CONVENTION_AWAITING_SIGNATURES,
    ApplicationsAwaitingHost,
    AwaitingApplication,
    ConventionAwaitingSignatures,
)
from services.common.digests import token_digest
from services.common.outbox import emit
from services.conventions import applications, convention_parts, convention_rules
from services.conventions import reminders as rules
from services.conventions.models import Application, Convention, ConventionSignature
from services.conventions.unit_of_work import SqlUnitOfWork

Transaction = Callable[[], AbstractContextManager[Session]]

# Rows looked at per pass: a backlog is worked through over the following passes.
BATCH = 500


@dataclass(frozen=True)
class PassCounts:
    """What one pass did."""

    expired: int
    host_reminders: int  # one per team's space, however many applications it lists
    signature_reminders: int  # one per convention

    def as_dict(self) -> dict[str, int]:
        """The counts as the RPC answers them."""
        return asdict(self)


def run(transaction: Transaction, now: datetime, expiry_days: int) -> PassCounts:
    """Expire, then remind, as of ``now``; each step in transactions of its own."""
    with transaction() as session:
        expired = applications.expire_due(SqlUnitOfWork(session), now, expiry_days)
    return PassCounts(
        expired=expired,
        host_reminders=remind_hosts(transaction, now, expiry_days),
        signature_reminders=remind_signatories(transaction, now),
    )


# -- hosts: applications left unanswered --------------------------------------------------------


def remind_hosts(transaction: Transaction, now: datetime, expiry_days: int) -> int:
    """One reminder per team's space listing its applications due; returns how many were sent."""
    with transaction() as session:
        groups = rules.host_reminders_due(_unanswered(session, now), now, expiry_days)
    sent = 0
    for (team_id, space_id), ids in groups.items():
        with transaction() as session:
            claimed = [each for each in ids if _claim_application(session, each, now, expiry_days)]
            if not claimed:
                continue  # another replica reminded them, or the host answered meanwhile
            rows = session.scalars(
                select(Application).where(Application.id.in_(claimed)).order_by(Application.updated_at, Application.id)
            ).all()
            payload = ApplicationsAwaitingHost(
                team_id=team_id, space_id=space_id, applications=[_awaiting(row) for row in rows]
            )
            emit(session, APPLICATIONS_AWAITING_HOST, payload)
            sent += 1
    return sent


def _unanswered(session: Session, now: datetime) -> list[rules.UnansweredApplication]:
    rows = session.execute(
        select(
            Application.id,
            Application.team_id,
            Application.space_id,
            Application.status,
            Application.updated_at,
            Application.reminded_at,
        )
        .where(*_host_reminder_due(rules.cutoff(now, rules.HOST_REMINDER_PERIOD)))
        .order_by(Application.updated_at)
        .limit(BATCH)
    ).all()
    return [rules.UnansweredApplication(*row) for row in rows]


def _claim_application(session: Session, application_id: int, now: datetime, expiry_days: int) -> bool:
    """Record the reminder unless the rule no longer holds (answered, expired, reminded meanwhile)."""
    due = _host_reminder_due(rules.cutoff(now, rules.HOST_REMINDER_PERIOD))
    not_expired = Application.updated_at > rules.expiry_cutoff(now, expiry_days)
    return _claim(session, Application, application_id, [*due, not_expired], reminded_at=now)


def _host_reminder_due(limit: datetime) -> list[ColumnElement[bool]]:
    """Waiting for the host since ``limit`` at least, and not reminded since: what lists an
    application as due and what its claim checks again."""
    return [
        Application.status.in_(rules.WAITING_FOR_HOST),
        Application.updated_at <= limit,
        _not_reminded_since(Application.reminded_at, limit),
    ]


def _awaiting(application: Application) -> AwaitingApplication:
    student = application.student
    return AwaitingApplication(
        application_id=application.id,
        offer_title=application.offer["title"],
        student_name=f"{student['first_name']} {student['last_name']}",
        weeks=list(application.weeks),
        waiting_since=application.updated_at.isoformat(),
    )


# -- signatories: conventions ready to sign -------------------------------------------------------


def remind_signatories(transaction: Transaction, now: datetime) -> int:
    """One reminder per convention due, to each signatory still expected; returns how many."""
    with transaction() as session:
        due = rules.signature_reminders_due(_unsigned(session, now), now)
    sent = 0
    for convention_id in due:
        with transaction() as session:
            if not _claim_convention(session, convention_id, now):
                continue
            convention = session.get_one(Convention, convention_id)
            signed = session.scalars(
                select(ConventionSignature.role).where(ConventionSignature.convention_id == convention_id)
            ).all()
            awaiting = convention_rules.awaiting(convention.status, signed)
            token = _renew_link(convention, now) if "legal_representative" in awaiting else None
            base = convention_parts.event_of(convention, token)
            emit(
                session,
                CONVENTION_AWAITING_SIGNATURES,
                ConventionAwaitingSignatures(**base.model_dump(), awaiting=awaiting),
            )
            sent += 1
    return sent


def _unsigned(session: Session, now: datetime) -> list[rules.UnsignedConvention]:
    rows = session.execute(
        select(
            Convention.id,
            Convention.status,
            Convention.completed_by_employer_at,
            Convention.validated_by_school_at,
            Convention.signature_reminded_at,
        )
        .where(*_signature_reminder_due(rules.cutoff(now, rules.SIGNATURE_REMINDER_PERIOD)))
        .order_by(Convention.id)
        .limit(BATCH)
    ).all()
    return [
        rules.UnsignedConvention(convention_id, status, rules.ready_since(completed, validated), reminded_at)
        for convention_id, status, completed, validated, reminded_at in rows
    ]


def _claim_convention(session: Session, convention_id: int, now: datetime) -> bool:
    limit = rules.cutoff(now, rules.SIGNATURE_REMINDER_PERIOD)
    # Listed by status alone (rules.ready_since reads both parts' dates); claimed once both are old enough.
    ready = [Convention.completed_by_employer_at <= limit, Convention.validated_by_school_at <= limit]
    return _claim(
        session, Convention, convention_id, [*_signature_reminder_due(limit), *ready], signature_reminded_at=now
    )


def _signature_reminder_due(limit: datetime) -> list[ColumnElement[bool]]:
    """Signable and not reminded since ``limit``."""
    return [
        Convention.status.in_(convention_rules.SIGNABLE),
        _not_reminded_since(Convention.signature_reminded_at, limit),
    ]


# -- both ----------------------------------------------------------------------------------------


def _not_reminded_since(reminded_at: InstrumentedAttribute[datetime | None], limit: datetime) -> ColumnElement[bool]:
    return or_(reminded_at.is_(None), reminded_at <= limit)


def _claim(
    session: Session,
    model: type[Application] | type[Convention],
    row_id: int,
    conditions: list[ColumnElement[bool]],
    **stamp: datetime,
) -> bool:
    """Stamp the row if ``conditions`` still hold: True when this transaction did, so that of two
    replicas running the pass, one only sends the reminder."""
    claimed = session.execute(
        update(model)
        .where(model.id == row_id, *conditions)
        .values(**stamp)
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def _renew_link(convention: Convention, now: datetime) -> str | None:
    """A new personal link for the legal representative, mailed with the reminder: only its hash
    is kept, so the first email's token cannot be sent again; the previous link stops working."""
    if not convention.school_part.get("legal_representative_email"):
        return None
    token = secrets.token_urlsafe(32)
    convention.link_token_hash = token_digest(token)
    convention.link_expires_at = now + convention_parts.LINK_LIFETIME
    return token
