"""Test-only nameko services that record the events they hear."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from nameko.events import event_handler

from services.common.contracts import events, offers

# Queues that disappear with the listener: events of one test never reach the next one.
listens_to = functools.partial(event_handler, reliable_delivery=False)


class Recorder:
    received: ClassVar[list[dict[str, Any]]]

    @classmethod
    def of_type(cls, event_type: str) -> list[dict[str, Any]]:
        return [event for event in cls.received if event["event_type"] == event_type]


class IdentityEventsListener(Recorder):
    name = "test_identity_listener"
    received: ClassVar[list[dict[str, Any]]] = []

    @listens_to("identity", events.USER_SIGNED_UP)
    def on_user_signed_up(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("identity", events.PASSWORD_RESET_REQUESTED)
    def on_password_reset_requested(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("identity", events.SESSION_REVOKED)
    def on_session_revoked(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("identity", events.SIGNUP_ON_TAKEN_EMAIL)
    def on_signup_on_taken_email(self, event: dict[str, Any]) -> None:
        self.received.append(event)


class OfferEventsListener(Recorder):
    name = "test_offer_listener"
    received: ClassVar[list[dict[str, Any]]] = []

    @listens_to("offers", offers.OFFER_PUBLISHED)
    def on_published(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("offers", offers.OFFER_UPDATED)
    def on_updated(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("offers", offers.OFFER_UNPUBLISHED)
    def on_unpublished(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to("offers", offers.OFFER_DELETED)
    def on_deleted(self, event: dict[str, Any]) -> None:
        self.received.append(event)
