"""Conventions: pupils' applications, the conventions they lead to, their signatures and PDFs."""

from __future__ import annotations

import logging
from typing import Any

from eventlet import tpool
from eventlet.semaphore import Semaphore
from nameko.timer import timer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.config import env_float, secret_key, state_dir
from services.common.contracts.actors import Actor
from services.common.contracts.conventions import (
    CONVENTION_SIGNED_BY_ALL,
    ActionBody,
    ApplicationBody,
    BulkRejectBody,
    ConventionPatch,
    SignatureCodeBody,
    SignBody,
)
from services.common.contracts.offers import (
    OFFER_PUBLISHED,
    OFFER_UNPUBLISHED,
    OFFER_UPDATED,
    OfferForApplication,
)
from services.common.database import Database, utcnow
from services.common.entrypoints import Pingable, rpc
from services.common.errors import DomainError
from services.common.idempotency import idempotent_by_design, once_per_event
from services.common.redelivery import reliable_handler
from services.common.rpc import TimedRpcProxy
from services.common.school_calendar import SchoolYear, today_in_paris
from services.common.validation import parse
from services.conventions import (
    applications,
    archive,
    convention_parts,
    offer_changes,
    offer_outcomes,
    reminder_pass,
    school_follow_up,
    signing,
    statistics,
)
from services.conventions import signature_codes as codes
from services.conventions.models import OutboxMessage, ProcessedEvent
from services.conventions.signature_images import parse_signature_image
from services.conventions.unit_of_work import opened

_log = logging.getLogger(__name__)
_RENDERING = Semaphore(1)

EXPIRY_DAYS = int(env_float("APPLICATION_EXPIRY_DAYS", 15))
EXPIRY_CHECK_SECONDS = env_float("APPLICATION_EXPIRY_CHECK_SECONDS", 3600)
PDF_CATCH_UP_SECONDS = env_float("CONVENTION_PDF_CATCH_UP_SECONDS", 60)
REMINDERS_INTERVAL = env_float("REMINDERS_INTERVAL", 3600)


class ConventionsService(Pingable):
    name = "conventions"

    db = Database("conventions", OutboxMessage, ProcessedEvent)
    offers = TimedRpcProxy("offers")
    identity = TimedRpcProxy("identity")
    matching = TimedRpcProxy("matching")
    notifications = TimedRpcProxy("notifications")

    # The reminders' clock: a test moves it forward in a subclass instead of waiting days.
    clock = staticmethod(utcnow)

    # -- applications ------------------------------------------------------------------------

    def _school(self, uai: str) -> dict[str, Any] | None:
        try:
            return self.matching.get_school(uai)
        except DomainError as error:
            if error.code != "NOT_FOUND":
                raise  # matching down (503) is not « not in the directory »: the pupil retries
            return None  # not in the directory (yet): no reservation can admit it

    @rpc
    def apply(
        self, actor: dict[str, Any], offer_id: int, body: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """A pupil applies to an offer (the same key, or a double click, gives one application)."""
        application = parse(ApplicationBody, body)
        lookups = applications.Lookups(self.offers.offer_for_application, self.identity.get_user, self._school)
        who = Actor(**actor)
        try:
            with opened(self.db.transaction) as uow:
                created = applications.submit(
                    uow, who, offer_id, application, lookups, today_in_paris(), utcnow(), idempotency_key
                )
                return applications.application_out(uow, created, EXPIRY_DAYS)
        except IntegrityError:
            # The same submission, committed by a concurrent worker in between: answer it.
            with opened(self.db.transaction) as uow:
                repeat = applications.find_repeat(uow, who, offer_id, application, idempotency_key, utcnow())
                if repeat is None:
                    raise
                return applications.application_out(uow, repeat, EXPIRY_DAYS)

    @rpc
    def list_applications(
        self,
        actor: dict[str, Any],
        offer_id: int | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = applications.PER_PAGE,
    ) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return applications.listing(uow, Actor(**actor), offer_id, status, page, per_page, EXPIRY_DAYS)

    @rpc
    def application_counts(self, actor: dict[str, Any], offer_ids: list[int]) -> dict[str, dict[str, int]]:
        """``{str(offer_id): {"total", "submitted", "read", "validated", "approved", "rejected",
        "cancelled", "expired"}}``: the team's applications to each of ``offer_ids`` (employers)."""
        with opened(self.db.transaction) as uow:
            return applications.counts(uow, Actor(**actor), offer_ids)

    @rpc
    def offer_outcomes(self, actor: dict[str, Any], offer_ids: list[int]) -> dict[str, dict[str, int]]:
        """``{str(offer_id): {"applications", "accepted", "signed"}}`` of the team's offers (employers)."""
        with self.db.transaction() as session:
            return offer_outcomes.offer_outcomes(session, Actor(**actor), offer_ids)

    @rpc
    def convention_statistics(self, departments: list[str] | None = None) -> dict[str, Any]:
        """``ConventionStatistics`` of the current school year (applications and conventions by
        status); ``departments``: only offers placed there (None: all)."""
        with self.db.transaction() as session:
            return statistics.convention_statistics(session, SchoolYear.current(today_in_paris()), departments)

    @rpc
    def get_application(self, actor: dict[str, Any], application_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            found = applications.visible(uow, Actor(**actor), application_id)
            return applications.application_out(uow, found, EXPIRY_DAYS)

    @rpc
    def act_on_application(
        self, actor: dict[str, Any], application_id: int, action: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``read``, ``validate``, ``reject``, ``cancel`` (host's team or pupil), ``approve`` (pupil)."""
        who = Actor(**actor)
        reason = parse(ActionBody, body or {}).reason
        if action == "approve":
            return self._approve(who, application_id)
        with opened(self.db.transaction) as uow:
            moved = applications.act(uow, who, application_id, action, reason, utcnow())
            return applications.application_out(uow, moved, EXPIRY_DAYS)

    @rpc
    def reject_applications(self, actor: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """The host's team refuses several applications for one reason (``BulkRejectBody``),
        each on its own: ``BulkRejectOut`` says which were refused and why the others were not."""
        batch = parse(BulkRejectBody, body)
        return applications.reject_each(
            lambda: opened(self.db.transaction), Actor(**actor), batch.ids, batch.reason, utcnow()
        )

    def _approve(self, actor: Actor, application_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            offer_id = applications.visible(uow, actor, application_id).offer_id
        # Seats as offers says now, asked with no transaction open.
        offer = OfferForApplication.model_validate(self.offers.offer_for_application(offer_id))
        with opened(self.db.transaction) as uow:
            approved = applications.approve(uow, actor, application_id, offer, utcnow())
            return applications.application_out(uow, approved, EXPIRY_DAYS)

    @timer(interval=EXPIRY_CHECK_SECONDS)
    def expire_applications(self) -> None:
        """Applications nobody answered for ``APPLICATION_EXPIRY_DAYS`` days expire."""
        with opened(self.db.transaction) as uow:
            expired = applications.expire_due(uow, utcnow(), EXPIRY_DAYS)
        if expired:
            _log.info("%s applications expired", expired)

    @timer(interval=REMINDERS_INTERVAL)
    def send_reminders(self) -> None:
        """Every ``REMINDERS_INTERVAL`` seconds: see ``run_reminders``."""
        counts = reminder_pass.run(self.db.transaction, self.clock(), EXPIRY_DAYS)
        if any(counts.as_dict().values()):
            _log.info("reminders pass: %s", counts.as_dict())

    @rpc
    def run_reminders(self) -> dict[str, int]:
        """One pass now (operators, tests): expire unanswered applications, remind hosts of those
        left 7 days, signatories of conventions ready for 3 days; ``{expired, host_reminders,
        signature_reminders}``. Idempotent: a second pass sends nothing new."""
        return reminder_pass.run(self.db.transaction, self.clock(), EXPIRY_DAYS).as_dict()

    # -- offers moved to another space or team: their applications and conventions follow ------

    @reliable_handler("offers", OFFER_PUBLISHED)
    @once_per_event
    def on_offer_published(self, session: Session, event: dict[str, Any]) -> None:
        """Applications and conventions take the (re)published offer's team and space."""
        offer_changes.follow_offer(session, event["data"])

    @reliable_handler("offers", OFFER_UPDATED)
    @once_per_event
    def on_offer_updated(self, session: Session, event: dict[str, Any]) -> None:
        """Applications and conventions take the changed offer's team and space (a moved offer)."""
        offer_changes.follow_offer(session, event["data"])

    @reliable_handler("offers", OFFER_UNPUBLISHED)
    @once_per_event
    def on_offer_unpublished(self, session: Session, event: dict[str, Any]) -> None:
        """Applications and conventions take the unpublished offer's team and space."""
        offer_changes.follow_offer(session, event["data"])

    # -- conventions -------------------------------------------------------------------------

    @rpc
    def list_conventions(
        self, actor: dict[str, Any], status: str | None = None, page: int = 1, per_page: int = convention_parts.PER_PAGE
    ) -> dict[str, Any]:
        with self.db.transaction() as session:
            return convention_parts.listing(session, Actor(**actor), status, page, per_page)

    @rpc
    def pupil_stages(self, actor: dict[str, Any], student_ids: list[int]) -> list[dict[str, Any]]:
        """Where each of these pupils of the caller's school stands (``PupilStageOut``), in two
        queries: the school's staff follows its pupils (a teacher once confirmed)."""
        with self.db.transaction() as session:
            return school_follow_up.pupil_stages(session, Actor(**actor), [int(i) for i in student_ids])

    @rpc
    def get_convention(self, actor: dict[str, Any], convention_id: int) -> dict[str, Any]:
        with self.db.transaction() as session:
            return convention_parts.convention_out(
                session, convention_parts.visible(session, Actor(**actor), convention_id)
            )

    @rpc
    def update_convention(self, actor: dict[str, Any], convention_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        changes = parse(ConventionPatch, patch)
        with self.db.transaction() as session:
            updated = convention_parts.update(session, Actor(**actor), convention_id, changes, utcnow())
            return convention_parts.convention_out(session, updated)

    @rpc
    def complete_convention(self, actor: dict[str, Any], convention_id: int) -> dict[str, Any]:
        with self.db.transaction() as session:
            done = convention_parts.complete(session, Actor(**actor), convention_id, utcnow())
            return convention_parts.convention_out(session, done)

    @rpc
    def validate_convention(self, actor: dict[str, Any], convention_id: int) -> dict[str, Any]:
        with self.db.transaction() as session:
            done = convention_parts.validate(session, Actor(**actor), convention_id, utcnow())
            return convention_parts.convention_out(session, done)

    @rpc
    def convention_for_link(self, link_token: str) -> dict[str, Any]:
        """The convention a legal representative's emailed link points to."""
        with self.db.transaction() as session:
            return convention_parts.convention_out(session, convention_parts.by_link(session, link_token, utcnow()))

    # -- signatures --------------------------------------------------------------------------

    @rpc
    def request_signature_code(
        self, actor: dict[str, Any] | None, body: dict[str, Any], ip: str | None = None
    ) -> dict[str, Any]:
        """One SMS with a 6-digit code for a batch of conventions; ``ip``, the client's
        address, is kept with the sending and limits how many codes it asks."""
        request = parse(SignatureCodeBody, body)
        who = Actor(**actor) if actor else None
        user = None
        if who is not None and request.link_token is None and who.role in ("employer", "school_manager"):
            user = self.identity.get_user(who.user_id)
        with self.db.transaction() as session:
            signer = signing.signer_of(session, who, request.link_token, utcnow())
            sending = signing.request_code(
                session, signer, who, request.convention_ids or [], request.phone, user, utcnow(), secret_key(), ip
            )
            answer = signing.request_out(sending.request)
            reference = f"signature:{sending.request.id}:{sending.request.sends}"
            text = codes.sms_text(sending.code, len(sending.request.convention_ids))
        # Texted after the commit: a code is never sent for a request that does not exist.
        try:
            self.notifications.send_sms(request.phone, text, reference)
        except DomainError:
            # Not texted (or, past the deadline, perhaps texted late: one code more at most).
            with self.db.transaction() as session:
                signing.forget_sending(session, sending.sending_id)
            raise
        return answer

    @rpc
    def sign(self, actor: dict[str, Any] | None, body: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
        """Check the code, then sign every convention of the request with the drawn image."""
        request = parse(SignBody, body)
        image = parse_signature_image(request.signature_image)
        who = Actor(**actor) if actor else None
        with self.db.transaction() as session:
            signer = signing.signer_of(session, who, request.link_token, utcnow())
            wrong = signing.check_code(
                session, signer, request.signature_request_id, request.code, utcnow(), secret_key()
            )
        if wrong is not None:
            raise wrong  # after the commit that counted the wrong try
        with self.db.transaction() as session:
            signed = signing.sign(session, signer, who, request.signature_request_id, image, ip, utcnow())
        return {"signed": signed}

    # -- PDF -----------------------------------------------------------------------------------

    @rpc
    def convention_pdf(
        self, actor: dict[str, Any] | None, convention_id: int, link_token: str | None = None
    ) -> dict[str, Any]:
        """The sealed PDF once signed by all, else a draft marked PROJET."""
        with self.db.transaction() as session:
            stored, draft = archive.for_download(
                session, Actor(**actor) if actor else None, convention_id, link_token, utcnow()
            )
        if stored is not None:
            return archive.pdf_answer(convention_id, stored, final=True)
        assert draft is not None
        return archive.pdf_answer(convention_id, self._render(draft), final=False)

    @reliable_handler("conventions", CONVENTION_SIGNED_BY_ALL)
    @idempotent_by_design("no processed_events row: archive.final_inputs is None once the PDF is stored")
    def on_signed_by_all(self, event: dict[str, Any]) -> None:
        """Make and keep the sealed PDF (idempotent: a second delivery finds it made)."""
        self._make_document(event["data"]["convention_id"])

    @timer(interval=PDF_CATCH_UP_SECONDS)
    def make_missing_documents(self) -> None:
        """Sealed PDFs a stopped process did not finish are made here."""
        with self.db.transaction() as session:
            missing = archive.pending_conventions(session)
        for convention_id in missing:
            self._make_document(convention_id)

    def _make_document(self, convention_id: int) -> None:
        with self.db.transaction() as session:
            inputs = archive.final_inputs(session, convention_id)
        if inputs is None:
            return
        pdf = archive.seal(self._render(inputs), state_dir())
        with self.db.transaction() as session:
            archive.store(session, convention_id, pdf, utcnow())

    def _render(self, inputs: archive.DocumentInputs) -> bytes:
        # weasyprint is CPU-bound: in a native thread this process keeps answering meanwhile;
        # one render at a time, since the GIL gives nothing to a second and weasyprint does
        # not promise to be thread-safe.
        with _RENDERING:
            return tpool.execute(archive.render, inputs)
