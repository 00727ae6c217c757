"""The conventions service in real containers, with identity, offers, matching and
notifications on the real broker and the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts.conventions import CONVENTION_READY_TO_SIGN
from services.common.database import create_service_engine, utcnow
from services.common.errors import DomainError
from services.conventions.models import Application, OutboxMessage, SignatureRequest
from services.conventions.service import ConventionsService
from services.notifications.service import NotificationsService
from tests.support.conventions import (
    HOST_PART,
    SCHOOL_PART,
    actor,
    application_body,
    call,
    college_week,
    drawn_signature,
    signup,
)
from tests.support.entrypoints import refused
from tests.support.offer_services import start_application_services
from tests.support.offers import offer_body
from tests.support.polling import wait_until
from tests.support.sms import texts_to, wait_for_code

pytestmark = pytest.mark.integration


@pytest.fixture
def platform(start_service):
    start_service(NotificationsService)
    return start_application_services(start_service)


def published_offer(offers, host, **changes):
    body = offer_body(**{"college_weeks": [college_week(-2), college_week(-1)], **changes})
    return call(offers, "create_offer", actor(host), body)


def approved_application(platform, host, offer, pupil, week=None):
    _, _, conventions = platform
    application = call(conventions, "apply", actor(pupil), offer["id"], application_body(week))
    call(conventions, "act_on_application", actor(host), application["id"], "validate", {})
    return call(conventions, "act_on_application", actor(pupil), application["id"], "approve", {})


def test_an_application_goes_from_submitted_to_approved_with_its_history(platform):
    identity, offers, conventions = platform
    host = signup(identity, "employer")
    pupil = signup(identity, "student")
    offer = published_offer(offers, host)

    application = call(conventions, "apply", actor(pupil), offer["id"], application_body())
    assert (application["status"], application["phone"], application["offer_title"]) == (
        "submitted",
        "+33612345678",
        offer["title"],
    )
    assert application["expires_at"] is not None
    for action, status in (("read", "read"), ("validate", "validated")):
        application = call(conventions, "act_on_application", actor(host), application["id"], action, {})
        assert application["status"] == status
    assert status_of(refused(conventions, "act_on_application", actor(host), application["id"], "approve", {})) == 403
    application = call(conventions, "act_on_application", actor(pupil), application["id"], "approve", {})
    assert application["status"] == "approved" and application["convention_id"] is not None
    assert [step["status"] for step in application["history"]] == ["submitted", "read", "validated", "approved"]
    assert [step["by_role"] for step in application["history"]] == ["student", "employer", "employer", "student"]

    again = refused(conventions, "act_on_application", actor(pupil), application["id"], "approve", {})
    assert (status_of(again), again.code) == (409, "INVALID_TRANSITION")
    # offers hears the seat taken: remaining seats drop, and it refuses deleting the offer
    wait_until(lambda: call(offers, "get_offer", actor(host), offer["id"])["remaining_seats"] == 1)
    assert status_of(refused(offers, "delete_offer", actor(host), offer["id"])) == 409


def test_one_application_per_pupil_per_offer_and_a_double_click_makes_one(platform):
    identity, offers, conventions = platform
    host = signup(identity, "employer")
    pupil = signup(identity, "student")
    offer = published_offer(offers, host)
    body = application_body()

    first = call(conventions, "apply", actor(pupil), offer["id"], body, "key-1")
    assert call(conventions, "apply", actor(pupil), offer["id"], body, "key-1")["id"] == first["id"]
    assert call(conventions, "apply", actor(pupil), offer["id"], body)["id"] == first["id"]  # double click
    other = refused(conventions, "apply", actor(pupil), offer["id"], application_body(motivation="Autre texte."))
    assert (status_of(other), other.code) == (409, "ALREADY_APPLIED")
    reused = refused(conventions, "apply", actor(pupil), published_offer(offers, host)["id"], body, "key-1")
    assert reused.code == "IDEMPOTENCY_KEY_REUSED"

    # twenty identical submissions at once, through the broker (one client each): one application
    second_offer = published_offer(offers, host)

    def submit(_):
        with ClusterRpcProxy({"AMQP_URI": conventions.config["AMQP_URI"]}, timeout=30) as cluster:
            return cluster.conventions.apply(actor(pupil), second_offer["id"], body)["id"]

    ids = set(eventlet.GreenPool(20).imap(submit, range(20)))
    assert len(ids) == 1
    listed = call(conventions, "list_applications", actor(pupil), None, None, 1, 50)
    assert listed["total"] == 2


def test_who_sees_what(platform):
    identity, offers, conventions = platform
    host, stranger = signup(identity, "employer"), signup(identity, "employer")
    pupil, other_pupil = signup(identity, "student"), signup(identity, "student")
    teacher = signup(identity, "teacher")
    far_teacher = signup(identity, "teacher", school_uai="0130001F")
    offer = published_offer(offers, host)
    application = call(conventions, "apply", actor(pupil), offer["id"], application_body())

    for outsider in (stranger, other_pupil, far_teacher):
        assert status_of(refused(conventions, "get_application", actor(outsider), application["id"])) == 404
        assert call(conventions, "list_applications", actor(outsider), None, None, 1, 20)["total"] == 0
        error = refused(conventions, "act_on_application", actor(outsider), application["id"], "cancel", {})
        assert status_of(error) == 404
    assert call(conventions, "get_application", actor(teacher), application["id"])["id"] == application["id"]
    assert call(conventions, "list_applications", actor(host), offer["id"], "submitted", 1, 20)["total"] == 1
    assert (
        status_of(refused(conventions, "act_on_application", actor(teacher), application["id"], "validate", {})) == 403
    )
    # A teacher whom the head of school has not confirmed yet sees no pupil at all.
    pending = {**actor(teacher), "school_confirmed": False}
    for method, args in (
        ("get_application", (application["id"],)),
        ("list_applications", (None, None, 1, 20)),
        ("list_conventions", (None, 1, 20)),
        ("pupil_stages", ([pupil["user_id"]],)),
    ):
        error = refused(conventions, method, pending, *args)
        assert (status_of(error), error.code) == (403, "TEACHER_NOT_CONFIRMED"), method
    assert call(conventions, "pupil_stages", actor(teacher), [pupil["user_id"], other_pupil["user_id"]]) == [
        {"student_id": pupil["user_id"], "stage": "application_sent", "convention_id": None},
        {"student_id": other_pupil["user_id"], "stage": "no_application", "convention_id": None},
    ]
    assert status_of(refused(conventions, "pupil_stages", actor(host), [pupil["user_id"]])) == 403
    missing = refused(conventions, "act_on_application", actor(host), application["id"], "reject", {})
    assert status_of(missing) == 422 and "reason" in missing.fields


def test_approving_cancels_the_pupils_other_pending_applications_for_that_week(platform):
    identity, offers, conventions = platform
    host = signup(identity, "employer")
    pupil = signup(identity, "student")
    week, other_week = college_week(-1), college_week(-2)
    first, second, third = (published_offer(offers, host) for _ in range(3))
    same_week = call(conventions, "apply", actor(pupil), second["id"], application_body(week))
    another_week = call(conventions, "apply", actor(pupil), third["id"], application_body(other_week))
    approved_application(platform, host, first, pupil, week)

    assert call(conventions, "get_application", actor(pupil), same_week["id"])["status"] == "cancelled"
    assert call(conventions, "get_application", actor(pupil), another_week["id"])["status"] == "submitted"


def test_fifty_concurrent_approvals_on_three_seats_give_exactly_three(platform, start_service):
    identity, offers, conventions = platform
    start_service(ConventionsService)  # a second process takes its share of the approvals
    host = signup(identity, "employer")
    offer = published_offer(offers, host, max_candidates=3)
    pupils = [signup(identity, "student") for _ in range(50)]
    applications = []
    for pupil in pupils:
        application = call(conventions, "apply", actor(pupil), offer["id"], application_body())
        call(conventions, "act_on_application", actor(host), application["id"], "validate", {})
        applications.append((pupil, application["id"]))

    def approve(pair):
        pupil, application_id = pair
        with ClusterRpcProxy({"AMQP_URI": conventions.config["AMQP_URI"]}, timeout=60) as cluster:
            try:
                return cluster.conventions.act_on_application(actor(pupil), application_id, "approve", {})["status"]
            except DomainError as error:
                return error.code

    outcomes = list(eventlet.GreenPool(50).imap(approve, applications))
    assert outcomes.count("approved") == 3
    assert outcomes.count("NO_SEAT_LEFT") == 47
    assert call(conventions, "list_conventions", actor(host), None, 1, 100)["total"] == 3
    wait_until(lambda: call(offers, "get_offer", actor(host), offer["id"])["remaining_seats"] == 0)

    # a cancelled approval gives its seat back, and the convention is cancelled
    winner = next(pair for pair, outcome in zip(applications, outcomes, strict=True) if outcome == "approved")
    cancelled = call(conventions, "act_on_application", actor(host), winner[1], "cancel", {"reason": "Fermeture."})
    assert cancelled["status"] == "cancelled"
    convention = call(conventions, "get_convention", actor(host), cancelled["convention_id"])
    assert convention["status"] == "cancelled"
    wait_until(lambda: call(offers, "get_offer", actor(host), offer["id"])["remaining_seats"] == 1)


def ready_convention(platform, host, pupil, manager, offer):
    _, _, conventions = platform
    convention_id = approved_application(platform, host, offer, pupil)["convention_id"]
    call(conventions, "update_convention", actor(host), convention_id, HOST_PART)
    call(conventions, "complete_convention", actor(host), convention_id)
    call(conventions, "update_convention", actor(manager), convention_id, SCHOOL_PART)
    return call(conventions, "validate_convention", actor(manager), convention_id)


def test_each_side_fills_its_part_then_the_content_is_frozen(platform):
    identity, offers, conventions = platform
    host, pupil, manager = signup(identity, "employer"), signup(identity, "student"), signup(identity, "school_manager")
    offer = published_offer(offers, host)
    convention_id = approved_application(platform, host, offer, pupil)["convention_id"]
    draft = call(conventions, "get_convention", actor(manager), convention_id)
    assert draft["status"] == "draft" and draft["daily_hours"] == offer["daily_hours"]

    mixed = refused(conventions, "update_convention", actor(host), convention_id, {"student_class": "3e A"})
    assert (status_of(mixed), mixed.code) == (403, "NOT_YOUR_PART")
    assert status_of(refused(conventions, "update_convention", actor(pupil), convention_id, {"tutor_name": "X"})) == 403
    night = {"daily_hours": {"lundi": ["14:00", "15:00", "15:30", "21:00"]}}
    assert "daily_hours" in refused(conventions, "update_convention", actor(host), convention_id, night).fields
    incomplete = refused(conventions, "complete_convention", actor(host), convention_id)
    assert status_of(incomplete) == 422 and "tutor_name" in incomplete.fields

    call(conventions, "update_convention", actor(host), convention_id, HOST_PART)
    done = call(conventions, "complete_convention", actor(host), convention_id)
    assert done["status"] == "completed_by_employer"
    locked = refused(conventions, "update_convention", actor(host), convention_id, {"tutor_name": "Autre"})
    assert locked.code == "PART_ALREADY_DONE"
    call(conventions, "update_convention", actor(manager), convention_id, SCHOOL_PART)
    ready = call(conventions, "validate_convention", actor(manager), convention_id)
    assert ready["status"] == "ready_to_sign"
    assert ready["awaiting_signatures"] == ["employer", "school_manager", "student", "legal_representative"]
    frozen = refused(conventions, "update_convention", actor(manager), convention_id, {"student_class": "3e C"})
    assert frozen.code == "CONVENTION_FROZEN"


def sign_request(conventions, who, ids, phone="0611111111", link_token=None):
    body = {"phone": phone}
    body.update({"link_token": link_token} if link_token else {"convention_ids": ids})
    return call(conventions, "request_signature_code", who, body, "203.0.113.7")


def sign(conventions, who, request_id, code, link_token=None):
    body = {"signature_request_id": request_id, "code": code, "signature_image": drawn_signature()}
    if link_token:
        body["link_token"] = link_token
    return call(conventions, "sign", who, body, "203.0.113.7")


def test_group_signing_with_one_code_then_every_party_and_the_sealed_pdf(platform, env):
    identity, offers, conventions = platform
    state_dir = Path(env["STATE_DIR"])
    host, manager = signup(identity, "employer"), signup(identity, "school_manager")
    pupils = [signup(identity, "student") for _ in range(3)]
    offer = published_offer(offers, host, max_candidates=5)
    ids = [ready_convention(platform, host, pupil, manager, offer)["id"] for pupil in pupils]

    request = sign_request(conventions, actor(host), ids)
    assert request["convention_ids"] == sorted(ids) and request["masked_phone"].endswith("11")
    assert len(texts_to(state_dir, "+33611111111")) == 1  # one SMS for the whole batch
    code = wait_for_code(state_dir, "+33611111111")
    assert sign(conventions, actor(host), request["signature_request_id"], code) == {"signed": sorted(ids)}
    reused = refused(
        conventions,
        "sign",
        actor(host),
        {"signature_request_id": request["signature_request_id"], "code": code, "signature_image": drawn_signature()},
        None,
    )
    assert status_of(reused) == 410
    assert call(conventions, "get_convention", actor(host), ids[0])["status"] == "signatures_started"

    manager_request = sign_request(conventions, actor(manager), ids, "0622222222")
    sign(conventions, actor(manager), manager_request["signature_request_id"], wait_for_code(state_dir, "+33622222222"))
    pupil_request = sign_request(conventions, actor(pupils[0]), [ids[0]], "0633333333")
    sign(conventions, actor(pupils[0]), pupil_request["signature_request_id"], wait_for_code(state_dir, "+33633333333"))

    # the legal representative signs through the link: its token is in the ready-to-sign event,
    # read here from the outbox table as the notifications service receives it
    token = _link_token(env, ids[0])
    linked = call(conventions, "convention_for_link", token)
    assert linked["id"] == ids[0]
    wrong_phone = refused(
        conventions, "request_signature_code", None, {"link_token": token, "phone": "0699999999"}, None
    )
    assert "phone" in wrong_phone.fields
    legal = sign_request(conventions, None, [], SCHOOL_PART["legal_representative_phone"], link_token=token)
    code = wait_for_code(state_dir, "+33698765432")
    assert sign(conventions, None, legal["signature_request_id"], code, link_token=token) == {"signed": [ids[0]]}

    signed = call(conventions, "get_convention", actor(pupils[0]), ids[0])
    assert signed["status"] == "signed_by_all" and signed["awaiting_signatures"] == []
    assert [s["role"] for s in signed["signatures"]] == [
        "employer",
        "school_manager",
        "student",
        "legal_representative",
    ]
    wait_until(lambda: call(conventions, "get_convention", actor(host), ids[0])["pdf_ready"], timeout=60)
    document = call(conventions, "convention_pdf", actor(host), ids[0], None)
    assert document["final"] and document["filename"] == f"convention-{ids[0]}.pdf"
    draft = call(conventions, "convention_pdf", actor(host), ids[1], None)
    assert not draft["final"]


def _link_token(env, convention_id):
    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    with Session(engine) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == CONVENTION_READY_TO_SIGN))
        token = next(row.payload["link_token"] for row in rows if row.payload["convention_id"] == convention_id)
    engine.dispose()
    return token


def test_codes_resist_guessing_expiry_and_other_peoples_conventions(platform, env):
    identity, offers, conventions = platform
    state_dir = Path(env["STATE_DIR"])
    host, manager, stranger = (
        signup(identity, "employer"),
        signup(identity, "school_manager"),
        signup(identity, "employer"),
    )
    pupil, other_pupil = signup(identity, "student"), signup(identity, "student")
    offer = published_offer(offers, host, max_candidates=5)
    convention_id = ready_convention(platform, host, pupil, manager, offer)["id"]

    assert (
        status_of(
            refused(
                conventions,
                "request_signature_code",
                actor(stranger),
                {"convention_ids": [convention_id], "phone": "0611111111"},
                None,
            )
        )
        == 404
    )
    assert (
        status_of(
            refused(
                conventions,
                "request_signature_code",
                actor(other_pupil),
                {"convention_ids": [convention_id], "phone": "0611111111"},
                None,
            )
        )
        == 404
    )

    request = sign_request(conventions, actor(host), [convention_id])
    request_id = request["signature_request_id"]
    code = wait_for_code(state_dir, "+33611111111")
    wrong = "000000" if code != "000000" else "111111"
    # another signatory cannot use this request, even with the right code
    assert (
        status_of(
            refused(
                conventions,
                "sign",
                actor(stranger),
                {"signature_request_id": request_id, "code": code, "signature_image": drawn_signature()},
                None,
            )
        )
        == 404
    )
    statuses = []
    for _ in range(5):
        error = refused(
            conventions,
            "sign",
            actor(host),
            {"signature_request_id": request_id, "code": wrong, "signature_image": drawn_signature()},
            None,
        )
        statuses.append((status_of(error), error.code))
    assert statuses == [(422, "WRONG_CODE")] * 5
    locked = refused(
        conventions,
        "sign",
        actor(host),
        {"signature_request_id": request_id, "code": code, "signature_image": drawn_signature()},
        None,
    )
    assert (status_of(locked), locked.code) == (423, "TOO_MANY_ATTEMPTS")
    # asking again for the same batch never resets the count
    resend = refused(
        conventions,
        "request_signature_code",
        actor(host),
        {"convention_ids": [convention_id], "phone": "0611111111"},
        None,
    )
    assert status_of(resend) == 423

    # an expired code: 410
    other = sign_request(conventions, actor(manager), [convention_id], "0622222222")
    manager_code = wait_for_code(state_dir, "+33622222222")
    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    with Session(engine) as session, session.begin():
        session.execute(
            update(SignatureRequest)
            .where(SignatureRequest.id == other["signature_request_id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    engine.dispose()
    expired = refused(
        conventions,
        "sign",
        actor(manager),
        {
            "signature_request_id": other["signature_request_id"],
            "code": manager_code,
            "signature_image": drawn_signature(),
        },
        None,
    )
    assert (status_of(expired), expired.code) == (410, "CODE_EXPIRED")

    # three codes per quarter of an hour per signatory (a resend for the same batch counts)
    second = sign_request(conventions, actor(manager), [convention_id], "0622222222")
    third = sign_request(conventions, actor(manager), [convention_id], "0622222222")
    assert third["signature_request_id"] == second["signature_request_id"]
    throttled = refused(
        conventions,
        "request_signature_code",
        actor(manager),
        {"convention_ids": [convention_id], "phone": "0622222222"},
        None,
    )
    assert status_of(throttled) == 429 and throttled.retry_after > 0
    assert call(conventions, "get_convention", actor(host), convention_id)["signatures"] == []


def test_applications_nobody_answers_expire_after_fifteen_days(platform, env):
    identity, offers, conventions = platform
    host, pupil = signup(identity, "employer"), signup(identity, "student")
    offer = published_offer(offers, host)
    waiting = call(conventions, "apply", actor(pupil), offer["id"], application_body(college_week(-1)))
    answered = call(conventions, "apply", actor(pupil), published_offer(offers, host)["id"], application_body())
    call(conventions, "act_on_application", actor(host), answered["id"], "validate", {})
    recent = call(conventions, "apply", actor(pupil), published_offer(offers, host)["id"], application_body())

    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    with Session(engine) as session, session.begin():
        session.execute(
            update(Application)
            .where(Application.id.in_([waiting["id"], answered["id"]]))
            .values(updated_at=utcnow() - timedelta(days=15, minutes=1))
        )
    engine.dispose()
    call(conventions, "expire_applications")

    expired = call(conventions, "get_application", actor(pupil), waiting["id"])
    assert expired["status"] == "expired" and expired["history"][-1]["by_role"] == "system"
    # a selected pupil who never confirms lets the seat go too
    assert call(conventions, "get_application", actor(pupil), answered["id"])["status"] == "expired"
    assert call(conventions, "get_application", actor(pupil), recent["id"])["status"] == "submitted"
    late = refused(conventions, "act_on_application", actor(host), waiting["id"], "validate", {})
    assert late.code == "INVALID_TRANSITION"
