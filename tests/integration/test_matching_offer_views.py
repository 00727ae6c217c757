"""Pupils' views of offers' pages in the matching service (the hosts' statistics): events from
the gateway on the real broker, kept in the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.common.contracts.statistics import OFFER_VIEWED
from services.matching.service import MatchingService
from tests.support.events import publish_event

pytestmark = pytest.mark.integration

# Ids no other test of the session uses (the databases live as long as the session).
OFFER, OTHER_OFFER, NEVER_READ = 7_420_101, 7_420_102, 7_420_199
PUPIL, OTHER_PUPIL = 7_420_001, 7_420_002
MONDAY = date(2026, 12, 7)


@pytest.fixture
def matching(start_service):
    return start_service(MatchingService)


def viewed(
    config: dict[str, Any], matching, offer_id: int, pupil_id: int, day: date, event_id: str | None = None
) -> str:
    """Publish the gateway's event and wait until matching has handled it."""
    data = {"offer_id": offer_id, "pupil_id": pupil_id, "day": day.isoformat()}
    with entrypoint_waiter(matching, "on_offer_viewed", timeout=10):
        return publish_event(config["AMQP_URI"], "gateway", OFFER_VIEWED, data, event_id)


def view_counts(matching, offer_ids: list[int]) -> dict[str, int]:
    with entrypoint_hook(matching, "offer_view_counts") as hook:
        return hook(offer_ids)  # type: ignore[no-any-return]


def test_a_pupil_counts_once_a_day_and_each_pupil_counts(matching, nameko_config):
    viewed(nameko_config, matching, OFFER, PUPIL, MONDAY)
    viewed(nameko_config, matching, OFFER, PUPIL, MONDAY)
    assert view_counts(matching, [OFFER]) == {str(OFFER): 1}

    # The day is the one the gateway saw the page on: the next day is a new view.
    viewed(nameko_config, matching, OFFER, PUPIL, MONDAY + timedelta(days=1))
    assert view_counts(matching, [OFFER]) == {str(OFFER): 2}

    viewed(nameko_config, matching, OTHER_OFFER, PUPIL, MONDAY)
    viewed(nameko_config, matching, OTHER_OFFER, OTHER_PUPIL, MONDAY)
    assert view_counts(matching, [OFFER, OTHER_OFFER, NEVER_READ]) == {
        str(OFFER): 2,
        str(OTHER_OFFER): 2,
        str(NEVER_READ): 0,
    }


def test_a_redelivered_event_counts_once(matching, nameko_config):
    event_id = viewed(nameko_config, matching, NEVER_READ - 1, PUPIL, MONDAY)
    viewed(nameko_config, matching, NEVER_READ - 1, PUPIL, MONDAY, event_id)
    assert view_counts(matching, [NEVER_READ - 1]) == {str(NEVER_READ - 1): 1}
    assert view_counts(matching, []) == {}
