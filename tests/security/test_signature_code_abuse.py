"""The legal representative's SMS code, asked without an account through the emailed link:
the client address is kept with each code sent, as a signature keeps it, and limits how many
codes one address asks, whatever the link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts.conventions import CONVENTION_READY_TO_SIGN
from services.common.database import create_service_engine, utcnow
from services.common.errors import DomainError
from services.conventions import signature_codes
from services.conventions.models import CodeSending, OutboxMessage
from services.conventions.service import ConventionsService
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from services.notifications.service import NotificationsService
from services.offers.service import OffersService
from tests.support.conventions import HOST_PART, SCHOOL_PART, actor, application_body, call, college_week, signup
from tests.support.offers import offer_body
from tests.support.sms import wait_for_code

pytestmark = pytest.mark.integration

CLIENT = "203.0.113.40"


def ready_to_sign(start_service: Callable[..., Any]) -> tuple[Any, int]:
    """The conventions container and a convention waiting for its signatures."""
    identity = start_service(IdentityService)
    start_service(MatchingService)
    offers = start_service(OffersService)
    start_service(NotificationsService)
    conventions = start_service(ConventionsService)
    host, pupil, manager = signup(identity, "employer"), signup(identity, "student"), signup(identity, "school_manager")
    offer = call(offers, "create_offer", actor(host), offer_body(college_weeks=[college_week(-2), college_week(-1)]))
    application = call(conventions, "apply", actor(pupil), offer["id"], application_body())
    call(conventions, "act_on_application", actor(host), application["id"], "validate", {})
    convention_id = call(conventions, "act_on_application", actor(pupil), application["id"], "approve", {})[
        "convention_id"
    ]
    call(conventions, "update_convention", actor(host), convention_id, HOST_PART)
    call(conventions, "complete_convention", actor(host), convention_id)
    call(conventions, "update_convention", actor(manager), convention_id, SCHOOL_PART)
    call(conventions, "validate_convention", actor(manager), convention_id)
    return conventions, convention_id


def test_the_code_request_keeps_the_client_address_and_is_limited_by_it(start_service, env) -> None:
    conventions, convention_id = ready_to_sign(start_service)
    engine = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    with Session(engine) as db:
        rows = db.scalars(select(OutboxMessage).where(OutboxMessage.event_type == CONVENTION_READY_TO_SIGN)).all()
        token = next(row.payload["link_token"] for row in rows if row.payload["convention_id"] == convention_id)
    body = {"link_token": token, "phone": SCHOOL_PART["legal_representative_phone"]}

    asked = call(conventions, "request_signature_code", None, body, CLIENT)
    assert wait_for_code(Path(env["STATE_DIR"]), "+33698765432")
    with Session(engine) as db:
        [sending] = db.scalars(select(CodeSending)).all()
    assert (sending.request_id, sending.ip) == (asked["signature_request_id"], CLIENT)

    # Codes asked from this address for other links fill its window (stored as the service
    # stores them); the representative's second code then stops at the address' limit.
    with Session(engine) as db, db.begin():
        db.add_all(
            CodeSending(
                signer_key=f"other-link-{number}",
                request_id=sending.request_id,
                sent_at=utcnow() - timedelta(minutes=1),
                ip=CLIENT,
            )
            for number in range(signature_codes.ADDRESS_REQUESTS_PER_WINDOW - 1)
        )
    with pytest.raises(DomainError) as refused:
        call(conventions, "request_signature_code", None, body, CLIENT)
    assert (status_of(refused.value), refused.value.code) == (429, "RATE_LIMITED")
    assert refused.value.retry_after > 0
    assert "adresse IP" in refused.value.message
    # From another address (a family's phone after the school's office), the code comes.
    again = call(conventions, "request_signature_code", None, body, "203.0.113.41")
    assert again["signature_request_id"] == asked["signature_request_id"]
    engine.dispose()
