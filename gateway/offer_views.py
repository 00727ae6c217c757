"""Pupils' views of offers' pages, told to matching (which keeps one per pupil per day for the
hosts' statistics) without slowing the page: the event is published from a thread of its own
that the page does not wait for, and a failure to publish only loses one view, never the page.

Who counts: a signed-in pupil. A host reading an offer (their own or not), school staff and
administrators are not pupils; an anonymous visitor has no identity to count once a day, and
is as likely a crawler: neither counts.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from services.common.contracts.events import envelope
from services.common.contracts.statistics import OFFER_VIEWED, OfferViewed
from services.common.database import utcnow
from services.common.school_calendar import today_in_paris
from services.common.session_tokens import SessionClaims

_log = logging.getLogger(__name__)

SOURCE = "gateway"
PUPIL_ROLE = "student"


def counted(user: SessionClaims | None) -> bool:
    """Whether this reader's view of an offer's page counts (a signed-in pupil's only)."""
    return user is not None and user.role == PUPIL_ROLE


class OfferViewRecorder(DependencyProvider):
    """``record(user, offer_id)``: publish ``offer_viewed`` on ``gateway.events`` for a pupil."""

    def setup(self) -> None:
        self.exchange = get_event_exchange(SOURCE, self.container.config)
        self.publisher = Publisher(
            self.container.config[AMQP_URI_CONFIG_KEY], serializer="json", declare=[self.exchange]
        )

    def get_dependency(self, worker_ctx: Any) -> Callable[[SessionClaims | None, int], None]:
        return self.record

    def record(self, user: SessionClaims | None, offer_id: int) -> None:
        """Tell matching a pupil read ``offer_id`` today (Europe/Paris); anyone else: nothing."""
        if not counted(user):
            return
        assert user is not None
        view = OfferViewed(offer_id=offer_id, pupil_id=user.user_id, day=today_in_paris())
        self.container.spawn_managed_thread(lambda: self._publish(view), identifier="offer_viewed")

    def _publish(self, view: OfferViewed) -> None:
        body = envelope(str(uuid.uuid4()), OFFER_VIEWED, utcnow().isoformat(), view.model_dump(mode="json"))
        try:
            self.publisher.publish(body, exchange=self.exchange, routing_key=OFFER_VIEWED)
        except Exception:
            # A lost view must never break anything else: the broker away, the figure is one lower.
            _log.warning("offer_viewed of offer %s not published", view.offer_id, exc_info=True)
