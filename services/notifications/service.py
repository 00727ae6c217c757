"""Notifications: every email and SMS of the platform, and the log of their delivery.

Messages are recorded in the transaction that handles their cause and sent after it
commits; a timer retries what could not be sent (see ``dispatch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nameko.timer import timer
from sqlalchemy.orm import Session

from services.common.contracts.conventions import (
    APPLICATION_APPROVED,
    APPLICATION_CANCELLED,
    APPLICATION_EXPIRED,
    APPLICATION_REJECTED,
    APPLICATION_SUBMITTED,
    APPLICATION_VALIDATED,
    APPLICATIONS_AWAITING_HOST,
    CONVENTION_AWAITING_SIGNATURES,
    CONVENTION_CREATED,
    CONVENTION_DOCUMENT_READY,
    CONVENTION_READY_TO_SIGN,
    ApplicationEvent,
    ApplicationsAwaitingHost,
    ConventionAwaitingSignatures,
    ConventionEvent,
)
from services.common.contracts.events import (
    PASSWORD_RESET_REQUESTED,
    SIGNUP_ON_TAKEN_EMAIL,
    TEACHER_CONFIRMED,
    TEAM_INVITATION_SENT,
    USER_SIGNED_UP,
    PasswordResetRequested,
    SignupOnTakenEmail,
    TeacherConfirmed,
    TeamInvitationSent,
    UserSignedUp,
)
from services.common.contracts.offers import OFFER_NEEDS_UPDATE, OfferNeedsUpdate
from services.common.database import Database
from services.common.entrypoints import Pingable, rpc
from services.common.errors import validation_error
from services.common.idempotency import once_per_event
from services.common.identifiers import normalize_phone
from services.common.redelivery import reliable_handler
from services.common.rpc import TimedRpcProxy
from services.notifications import convention_messages, dispatch, messages, offer_messages
from services.notifications.convention_messages import Person, people
from services.notifications.event_handling import recorded_once_per_event
from services.notifications.models import ProcessedEvent
from services.notifications.outgoing import OutgoingMessage
from services.notifications.postman import Postman, send_after_commit

RETRY_INTERVAL_SECONDS = 30


class NotificationsService(Pingable):
    name = "notifications"

    # No outbox: notifications is the end of every chain of events and publishes none.
    db = Database("notifications", processed_model=ProcessedEvent)
    post = Postman()
    identity = TimedRpcProxy("identity")

    @reliable_handler("identity", USER_SIGNED_UP)
    @send_after_commit
    @once_per_event
    def on_user_signed_up(self, session: Session, event: dict[str, Any]) -> list[int]:
        """Email the new account its confirmation link."""
        user = UserSignedUp.model_validate(event["data"])
        message = messages.email_confirmation(self.post.public_url, user)
        return [dispatch.record(session, message, event_id=event["event_id"])]

    @reliable_handler("identity", PASSWORD_RESET_REQUESTED)
    @send_after_commit
    @once_per_event
    def on_password_reset_requested(self, session: Session, event: dict[str, Any]) -> list[int]:
        """Email the account its password reset link."""
        request = PasswordResetRequested.model_validate(event["data"])
        message = messages.password_reset(self.post.public_url, request)
        return [dispatch.record(session, message, event_id=event["event_id"])]

    @reliable_handler("identity", SIGNUP_ON_TAKEN_EMAIL)
    @send_after_commit
    @once_per_event
    def on_signup_on_taken_email(self, session: Session, event: dict[str, Any]) -> list[int]:
        """Tell an account's owner that someone tried to sign up with their address."""
        attempt = SignupOnTakenEmail.model_validate(event["data"])
        message = messages.signup_on_taken_email(self.post.public_url, attempt)
        return [dispatch.record(session, message, event_id=event["event_id"])]

    @reliable_handler("identity", TEAM_INVITATION_SENT)
    @send_after_commit
    @once_per_event
    def on_team_invitation_sent(self, session: Session, event: dict[str, Any]) -> list[int]:
        """Email the invitee the link to join the inviter's team (or to refuse)."""
        invitation = TeamInvitationSent.model_validate(event["data"])
        message = messages.team_invitation(self.post.public_url, invitation)
        return [dispatch.record(session, message, event_id=event["event_id"])]

    @reliable_handler("identity", TEACHER_CONFIRMED)
    @send_after_commit
    @once_per_event
    def on_teacher_confirmed(self, session: Session, event: dict[str, Any]) -> list[int]:
        """Tell a teacher that the head of their school confirmed them."""
        confirmation = TeacherConfirmed.model_validate(event["data"])
        message = messages.teacher_confirmed(self.post.public_url, confirmation)
        return [dispatch.record(session, message, event_id=event["event_id"])]

    # -- applications and conventions -----------------------------------------------------------
    # Recipients come from identity: each handler builds its messages before any transaction
    # opens, and an event whose recipients identity cannot give now goes back to its queue
    # (see event_handling: nameko would otherwise acknowledge it and lose it).

    @reliable_handler("conventions", APPLICATION_SUBMITTED)
    @send_after_commit
    @recorded_once_per_event
    def on_application_submitted(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell the host's team that a pupil applied to one of its offers."""
        application = ApplicationEvent.model_validate(event["data"])
        return convention_messages.application_submitted(self.post.public_url, application, self._hosts(application))

    @reliable_handler("conventions", APPLICATION_VALIDATED)
    @send_after_commit
    @recorded_once_per_event
    def on_application_validated(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell the pupil that the host accepted them and that they must confirm (email, SMS)."""
        application = ApplicationEvent.model_validate(event["data"])
        return convention_messages.application_validated(self.post.public_url, application)

    @reliable_handler("conventions", APPLICATION_REJECTED)
    @send_after_commit
    @recorded_once_per_event
    def on_application_rejected(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell the pupil that the host declined, with its reason."""
        application = ApplicationEvent.model_validate(event["data"])
        return convention_messages.application_rejected(self.post.public_url, application)

    @reliable_handler("conventions", APPLICATION_CANCELLED)
    @send_after_commit
    @recorded_once_per_event
    def on_application_cancelled(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell the other side: the host's team when the pupil withdrew, else the pupil."""
        application = ApplicationEvent.model_validate(event["data"])
        hosts = self._hosts(application) if application.by_role == convention_messages.STUDENT_ROLE else []
        return convention_messages.application_cancelled(self.post.public_url, application, hosts)

    @reliable_handler("conventions", APPLICATION_EXPIRED)
    @send_after_commit
    @recorded_once_per_event
    def on_application_expired(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell the pupil that their application expired unanswered."""
        application = ApplicationEvent.model_validate(event["data"])
        return convention_messages.application_expired(self.post.public_url, application)

    @reliable_handler("conventions", APPLICATION_APPROVED)
    @send_after_commit
    @recorded_once_per_event
    def on_application_approved(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell the host's team that the pupil confirmed and that the convention was created."""
        application = ApplicationEvent.model_validate(event["data"])
        return convention_messages.application_approved(self.post.public_url, application, self._hosts(application))

    @reliable_handler("conventions", CONVENTION_CREATED)
    @send_after_commit
    @recorded_once_per_event
    def on_convention_created(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Ask the school's staff and the host's team to fill in their parts of the convention."""
        convention = ConventionEvent.model_validate(event["data"])
        hosts, staff = self._parties(convention, school_roles=None)
        return convention_messages.convention_created(self.post.public_url, convention, hosts, staff)

    @reliable_handler("conventions", CONVENTION_READY_TO_SIGN)
    @send_after_commit
    @recorded_once_per_event
    def on_convention_ready_to_sign(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Ask every signatory to sign; the legal representative gets their personal link."""
        convention = ConventionEvent.model_validate(event["data"])
        hosts, heads = self._parties(convention, school_roles=convention_messages.SCHOOL_HEAD_ROLES)
        return convention_messages.convention_ready_to_sign(self.post.public_url, convention, hosts, heads)

    @reliable_handler("conventions", CONVENTION_DOCUMENT_READY)
    @send_after_commit
    @recorded_once_per_event
    def on_convention_document_ready(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell every party that the convention is signed by all and its sealed PDF is ready."""
        convention = ConventionEvent.model_validate(event["data"])
        hosts, staff = self._parties(convention, school_roles=None)
        return convention_messages.convention_document_ready(self.post.public_url, convention, hosts, staff)

    # -- reminders (conventions' reminder pass: at most one per thing per period) ---------------

    @reliable_handler("conventions", APPLICATIONS_AWAITING_HOST)
    @send_after_commit
    @recorded_once_per_event
    def on_applications_awaiting_host(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Remind the members notified for the space of the applications left unanswered 7 days."""
        reminder = ApplicationsAwaitingHost.model_validate(event["data"])
        return convention_messages.applications_awaiting_host(self.post.public_url, reminder, self._hosts(reminder))

    @reliable_handler("conventions", CONVENTION_AWAITING_SIGNATURES)
    @send_after_commit
    @recorded_once_per_event
    def on_convention_awaiting_signatures(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Remind the signatories still expected on a convention ready to sign for 3 days."""
        convention = ConventionAwaitingSignatures.model_validate(event["data"])
        hosts, heads = self._parties(convention, school_roles=convention_messages.SCHOOL_HEAD_ROLES)
        return convention_messages.convention_awaiting_signatures(self.post.public_url, convention, hosts, heads)

    # -- offers -------------------------------------------------------------------------------

    @reliable_handler("offers", OFFER_NEEDS_UPDATE)
    @send_after_commit
    @recorded_once_per_event
    def on_offer_needs_update(self, event: dict[str, Any]) -> list[OutgoingMessage]:
        """Tell the members notified for the offer's space that it needs updating, and why."""
        notice = OfferNeedsUpdate.model_validate(event["data"])
        return offer_messages.offer_needs_update(self.post.public_url, notice, self._hosts(notice))

    def _hosts(
        self, event: ApplicationEvent | ConventionEvent | ApplicationsAwaitingHost | OfferNeedsUpdate
    ) -> list[Person]:
        return people(self.identity.host_recipients(event.team_id, event.space_id))

    def _parties(
        self, convention: ConventionEvent, school_roles: Sequence[str] | None
    ) -> tuple[list[Person], list[Person]]:
        """The host's team and the school's staff of ``school_roles`` (None: all), asked at once."""
        hosts = self.identity.host_recipients.call_async(convention.team_id, convention.space_id)
        staff = (
            self.identity.school_staff.call_async(convention.school_uai, list(school_roles) if school_roles else None)
            if convention.school_uai
            else None
        )
        return people(hosts.result()), (people(staff.result()) if staff is not None else [])

    # -- on demand -------------------------------------------------------------------------------

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
