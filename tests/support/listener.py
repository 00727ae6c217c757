"""A test-only nameko service that records the events it hears."""

from __future__ import annotations

from typing import Any, ClassVar

from nameko.events import event_handler

from services.common.contracts import events


class IdentityEventsListener:
    name = "test_listener"
    received: ClassVar[list[dict[str, Any]]] = []

    @event_handler("identity", events.USER_SIGNED_UP)
    def on_user_signed_up(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @event_handler("identity", events.PASSWORD_RESET_REQUESTED)
    def on_password_reset_requested(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @event_handler("identity", events.SESSION_REVOKED)
    def on_session_revoked(self, event: dict[str, Any]) -> None:
        self.received.append(event)

    @classmethod
    def of_type(cls, event_type: str) -> list[dict[str, Any]]:
        return [event for event in cls.received if event["event_type"] == event_type]
