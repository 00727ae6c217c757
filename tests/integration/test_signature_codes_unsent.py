"""A signature code that could not be texted (notifications away: killed, restarting) does not
count against the signatory's three codes a quarter of an hour: a host who asked while the
platform restarted, and was answered 503 each time, gets a code as soon as it is back instead
of 429 for fifteen minutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.error_statuses import status_of
from services.conventions.service import ConventionsService
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from services.notifications.service import NotificationsService
from services.offers.service import OffersService
from tests.integration.test_conventions_service import published_offer, ready_convention, sign_request
from tests.support.conventions import actor, signup
from tests.support.entrypoints import refused
from tests.support.sms import codes_texted

pytestmark = pytest.mark.integration

UNANSWERED_AFTER = 1.0
"""Conventions' deadline for notifications' answer here (``RPC_TIMEOUT``): short, the test waits it out thrice."""


def test_codes_that_notifications_could_not_text_do_not_count_against_the_signatory(start_service, env):
    identity = start_service(IdentityService)
    start_service(MatchingService)
    offers = start_service(OffersService)
    conventions = start_service(ConventionsService, RPC_TIMEOUT=UNANSWERED_AFTER)
    platform = (identity, offers, conventions)
    host, pupil, manager = signup(identity, "employer"), signup(identity, "student"), signup(identity, "school_manager")
    convention_id = ready_convention(platform, host, pupil, manager, published_offer(offers, host))["id"]

    # Notifications is not running: each request is answered 503, no SMS leaves.
    for _ in range(3):
        unsent = refused(
            conventions,
            "request_signature_code",
            actor(host),
            {"convention_ids": [convention_id], "phone": "0611111111"},
            None,
        )
        assert (status_of(unsent), unsent.code) == (503, "SERVICE_UNAVAILABLE")
    assert codes_texted(Path(env["STATE_DIR"]), "+33611111111") == []

    # Back: the fourth request is the first code texted, not a fourth one over the limit.
    start_service(NotificationsService)
    request = sign_request(conventions, actor(host), [convention_id])
    assert request["convention_ids"] == [convention_id]
    assert len(codes_texted(Path(env["STATE_DIR"]), "+33611111111")) == 1
