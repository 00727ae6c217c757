"""Reminders and expiry, end to end: the conventions service's pass on a clock moved forward,
identity's notification settings, the notifications service and the mail outbox, on the real
broker and the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from services.common.contracts.conventions import APPLICATIONS_AWAITING_HOST, CONVENTION_AWAITING_SIGNATURES
from services.common.database import create_service_engine, utcnow
from services.common.errors import DomainError
from services.conventions import reminder_pass, run_reminders
from services.conventions.models import OutboxMessage
from services.conventions.service import EXPIRY_DAYS, ConventionsService
from services.identity.models import User
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from services.notifications.service import NotificationsService
from services.offers.service import OffersService
from tests.support.conventions import HOST_PART, SCHOOL_PART, actor, application_body, call, college_week, signup
from tests.support.mailbox import messages_to, text_of, token_in, wait_for_mail_containing
from tests.support.offers import offer_body
from tests.support.teams import default_space, join_team, mute

pytestmark = pytest.mark.integration

HOST_SUBJECT = "Des candidatures attendent votre réponse"
SIGNATURE_SUBJECT = "Une convention attend votre signature"
EXPIRED_SUBJECT = "Votre candidature a expiré"
NOTHING = {"expired": 0, "host_reminders": 0, "signature_reminders": 0}


class Clock:
    """Now, moved forward by ``shift``: the days pass without waiting for them."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.shift


@pytest.fixture
def platform(start_service):
    moved = Clock()

    class ConventionsOnAMovedClock(ConventionsService):
        clock = staticmethod(moved)

    identity = start_service(IdentityService)
    start_service(MatchingService)
    offers = start_service(OffersService)
    start_service(NotificationsService)
    conventions = start_service(ConventionsOnAMovedClock)
    return identity, offers, conventions, moved


@pytest.fixture
def identity_db(env):
    engine = create_service_engine(env["DATABASE_URL_IDENTITY"])
    yield engine
    engine.dispose()


def published_offer(offers, host):
    return call(offers, "create_offer", actor(host), offer_body(college_weeks=[college_week(-2), college_week(-1)]))


def with_subject(state_dir: Path, recipient: str, subject: str) -> list[Any]:
    return [message for message in messages_to(state_dir, recipient) if str(message["Subject"]).startswith(subject)]


def wait_for_subject(state_dir: Path, recipient: str, subject: str, count: int, timeout: float = 15.0) -> list[Any]:
    """The recipient's emails of ``subject`` once there are ``count`` of them (never more)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = with_subject(state_dir, recipient, subject)
        if len(found) >= count:
            assert len(found) == count, f"{len(found)} emails « {subject} » to {recipient}, {count} expected"
            return found
        time.sleep(0.2)
    raise AssertionError(f"{count} emails « {subject} » to {recipient} expected")


def outbox_count(env, event_type: str) -> int:
    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    with Session(engine) as session:
        count = session.scalar(select(func.count()).where(OutboxMessage.event_type == event_type))
    engine.dispose()
    return int(count or 0)


def two_replicas_racing(env, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Two passes of the timer at ``now``, interleaved at the worst moment: the second one has
    read the reminders due when the first one runs whole and commits, before the second one
    claims any. Returns (first's counts, second's counts)."""
    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    factory = sessionmaker(engine, expire_on_commit=False, info={"outbox_model": OutboxMessage})

    @contextmanager
    def transaction() -> Iterator[Session]:
        with factory() as session, session.begin():
            yield session

    first: dict[str, int] = {}
    calls = itertools.count()

    @contextmanager
    def late_transaction() -> Iterator[Session]:
        if next(calls) == 2:  # after its expiry step and its read of the hosts' reminders due
            first.update(reminder_pass.run(transaction, now, EXPIRY_DAYS).as_dict())
        with transaction() as session:
            yield session

    second = reminder_pass.run(late_transaction, now, EXPIRY_DAYS).as_dict()
    engine.dispose()
    return first, second


def test_hosts_notified_for_the_space_are_reminded_once_a_week_then_the_applications_expire(
    platform, env, identity_db, capsys
):
    identity, offers, conventions, clock = platform
    state_dir = Path(env["STATE_DIR"])
    owner, colleague, muted = (signup(identity, "employer") for _ in range(3))
    for member in (colleague, muted):
        join_team(identity_db, member["user_id"], owner["team_id"])
    mute(identity_db, muted["user_id"], default_space(identity_db, owner["team_id"]))
    first, second = published_offer(offers, owner), published_offer(offers, owner)
    zoe, leo = signup(identity, "student"), signup(identity, "student")
    waiting = call(conventions, "apply", actor(zoe), first["id"], application_body())
    read = call(conventions, "apply", actor(zoe), second["id"], application_body())
    call(conventions, "act_on_application", actor(owner), read["id"], "read", {})
    selected = call(conventions, "apply", actor(leo), first["id"], application_body())
    call(conventions, "act_on_application", actor(owner), selected["id"], "validate", {})

    clock.shift = timedelta(days=6, hours=23)
    assert call(conventions, "run_reminders") == NOTHING

    clock.shift = timedelta(days=8)
    assert two_replicas_racing(env, clock()) == ({**NOTHING, "host_reminders": 1}, NOTHING)
    assert call(conventions, "run_reminders") == NOTHING
    for host in (owner, colleague):
        [reminder] = wait_for_subject(state_dir, host["email"], HOST_SUBJECT, 1)
        body = text_of(reminder)
        assert "2 candidatures à vos offres de stage attendent votre réponse depuis plus de 7 jours" in body
        # the two the host has not answered, each with its link; not the one waiting for the pupil
        assert f"http://e1s.test/mon-espace/candidatures/{waiting['id']}" in body
        assert f"http://e1s.test/mon-espace/candidatures/{read['id']}" in body
        assert f"/mon-espace/candidatures/{selected['id']}" not in body
    # once per period, whoever runs it: here the operators' command
    assert run_reminders.main([]) == 0
    assert json.loads(capsys.readouterr().out) == NOTHING
    clock.shift = timedelta(days=14, hours=23)
    assert call(conventions, "run_reminders") == NOTHING  # 6 days 23 hours after the reminder
    assert outbox_count(env, APPLICATIONS_AWAITING_HOST) == 1

    clock.shift = timedelta(days=15, minutes=1)
    assert call(conventions, "run_reminders") == {**NOTHING, "expired": 3}
    for pupil, application in ((zoe, waiting), (zoe, read), (leo, selected)):
        assert call(conventions, "get_application", actor(pupil), application["id"])["status"] == "expired"
    assert call(conventions, "run_reminders") == NOTHING
    for pupil, count in ((zoe, 2), (leo, 1)):
        told = wait_for_subject(state_dir, pupil["email"], EXPIRED_SUBJECT, count)
        assert all("est arrivée à expiration" in text_of(message) for message in told)
    # the expiry emails have arrived meanwhile: no other reminder came with them
    for host, count in ((owner, 1), (colleague, 1), (muted, 0)):
        assert len(with_subject(state_dir, host["email"], HOST_SUBJECT)) == count


def ready_convention(conventions, offer, owner, pupil, head) -> int:
    application = call(conventions, "apply", actor(pupil), offer["id"], application_body())
    call(conventions, "act_on_application", actor(owner), application["id"], "validate", {})
    convention_id = call(conventions, "act_on_application", actor(pupil), application["id"], "approve", {})[
        "convention_id"
    ]
    call(conventions, "update_convention", actor(owner), convention_id, HOST_PART)
    call(conventions, "complete_convention", actor(owner), convention_id)
    call(conventions, "update_convention", actor(head), convention_id, SCHOOL_PART)
    assert call(conventions, "validate_convention", actor(head), convention_id)["status"] == "ready_to_sign"
    return convention_id


def test_every_signatory_still_expected_is_reminded_once_per_three_days(platform, env, identity_db):
    identity, offers, conventions, clock = platform
    state_dir = Path(env["STATE_DIR"])
    owner, pupil, head = signup(identity, "employer"), signup(identity, "student"), signup(identity, "school_manager")
    with Session(identity_db) as session, session.begin():
        # the school's staff is told only once its address is confirmed
        session.execute(update(User).where(User.id == head["user_id"]).values(email_confirmed_at=utcnow()))
    convention_id = ready_convention(conventions, published_offer(offers, owner), owner, pupil, head)
    parent = SCHOOL_PART["legal_representative_email"]
    first_link = token_in(wait_for_mail_containing(state_dir, parent, "votre signature est nécessaire"))
    everyone = (owner["email"], head["email"], pupil["email"], parent)

    clock.shift = timedelta(days=2, hours=23)
    assert call(conventions, "run_reminders") == NOTHING

    clock.shift = timedelta(days=4)
    assert call(conventions, "run_reminders") == {**NOTHING, "signature_reminders": 1}
    for address in everyone:
        [reminder] = wait_for_subject(state_dir, address, SIGNATURE_SUBJECT, 1)
        assert "attend toujours votre signature" in text_of(reminder)
    link = f"http://e1s.test/mes-conventions?convention={convention_id}"
    for address in (owner["email"], head["email"], pupil["email"]):
        assert link in text_of(with_subject(state_dir, address, SIGNATURE_SUBJECT)[0])
    # the parent's reminder carries a new personal link; the first one no longer opens it
    new_link = token_in(with_subject(state_dir, parent, SIGNATURE_SUBJECT)[0])
    assert call(conventions, "convention_for_link", new_link)["id"] == convention_id
    with pytest.raises(DomainError) as refused:
        call(conventions, "convention_for_link", first_link)
    assert refused.value.code == "NOT_FOUND"
    assert call(conventions, "run_reminders") == NOTHING

    clock.shift = timedelta(days=6, hours=23)
    assert call(conventions, "run_reminders") == NOTHING  # 2 days 23 hours after the reminder
    clock.shift = timedelta(days=7, hours=1)
    assert call(conventions, "run_reminders") == {**NOTHING, "signature_reminders": 1}
    assert call(conventions, "run_reminders") == NOTHING
    assert outbox_count(env, CONVENTION_AWAITING_SIGNATURES) == 2
    for address in everyone:
        wait_for_subject(state_dir, address, SIGNATURE_SUBJECT, 2)
