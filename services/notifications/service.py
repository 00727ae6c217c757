"""Notifications: every email and SMS of the platform, and the log of their delivery.

Messages are recorded in the transaction that handles their cause and sent after it
commits; a timer retries what could not be sent (see ``dispatch``).
"""

from __future__ import annotations

from typing import Any

from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy.orm import Session

from services.common.contracts.events import (
    PASSWORD_RESET_REQUESTED,
    USER_SIGNED_UP,
    PasswordResetRequested,
    UserSignedUp,
)
from services.common.database import Database
from services.common.entrypoints import Pingable
from services.common.errors import validation_error
from services.common.idempotency import once_per_event
from services.common.identifiers import normalize_phone
from services.notifications import dispatch, messages
from services.notifications.models import OutboxMessage, ProcessedEvent
from services.notifications.postman import Postman, send_after_commit

RETRY_INTERVAL_SECONDS = 30


class NotificationsService(Pingable):
    name = "notifications"

    db = Database("notifications", OutboxMessage, ProcessedEvent)
    post = Postman()

    @event_handler("identity", USER_SIGNED_UP)
    @send_after_commit
    @once_per_event
    def on_user_signed_up(self, session: Session, event: dict[str, Any]) -> list[int]:
        """Email the new account its confirmation link."""
        user = UserSignedUp.model_validate(event["data"])
        message = messages.email_confirmation(self.post.public_url, user)
        return [dispatch.record(session, message, event_id=event["event_id"])]

    @event_handler("identity", PASSWORD_RESET_REQUESTED)
    @send_after_commit
    @once_per_event
    def on_password_reset_requested(self, session: Session, event: dict[str, Any]) -> list[int]:
        """Email the account its password reset link."""
        request = PasswordResetRequested.model_validate(event["data"])
        message = messages.password_reset(self.post.public_url, request)
        return [dispatch.record(session, message, event_id=event["event_id"])]

    @rpc
    def send_sms(self, to: str, text: str, reference: str) -> int:
        """Send ``text`` to the phone number ``to``; returns the delivery id.

        Idempotent on ``reference``: a second call with the same reference returns the
        first delivery and sends nothing.
        """
        phone = normalize_phone(to)
        problems = messages.sms_problems(text, reference)
        if phone is None:
            problems["phone"] = ["Numéro de téléphone invalide."]
        if problems:
            raise validation_error(problems)
        delivery_id = dispatch.record_once(self.db.transaction, messages.sms(phone, text), reference=reference)
        dispatch.send_deliveries(self.db.transaction, self.post.senders, [delivery_id])
        return delivery_id

    @rpc
    def deliveries(self, recipient: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """The delivery log, newest first, optionally to one recipient (operators and tests)."""
        with self.db.transaction() as session:
            return dispatch.delivery_log(session, recipient, limit)

    @timer(interval=RETRY_INTERVAL_SECONDS)
    def retry_deliveries(self) -> None:
        """Send again what failed, and what was recorded but never sent."""
        dispatch.retry_due(self.db.transaction, self.post.senders)
