"""A test-only nameko service that records the events it hears."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from nameko.events import event_handler

from services.common.contracts import events

# Queues that disappear with the listener: events of one test never reach the next one.
listens_to = functools.partial(event_handler, "identity", reliable_delivery=False)


class IdentityEventsListener:
    name = "test_listener"
    received: ClassVar[list[dict[str, Any]]] = []

    @listens_to(events.USER_SIGNED_UP)
    def on_user_signed_up(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to(events.PASSWORD_RESET_REQUESTED)
    def on_password_reset_requested(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @listens_to(events.SESSION_REVOKED)
    def on_session_revoked(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @classmethod
    def of_type(cls, event_type: str) -> list[dict[str, Any]]:
        return [event for event in cls.received if event["event_type"] == event_type]
