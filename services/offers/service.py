"""Offers: hosts' internship offers (and partners', through the v2 API)."""

from __future__ import annotations

import logging
from typing import Any

from nameko.timer import timer
from sqlalchemy.orm import Session

from services.common.config import Settings, env_float
from services.common.contracts.actors import Actor
from services.common.contracts.conventions import OFFER_SEATS_CHANGED
from services.common.contracts.events import TEAM_MEMBER_JOINED
from services.common.contracts.offers import OfferBody
from services.common.database import Database, utcnow
from services.common.entrypoints import Pingable, rpc
from services.common.idempotency import once_per_event
from services.common.redelivery import reliable_handler
from services.common.rpc import TimedRpcProxy
from services.common.school_calendar import SchoolYear, today_in_paris
from services.common.validation import parse
from services.offers import catalogue, drafts, partner, review, seats, statistics, team_moves
from services.offers.models import OutboxMessage, ProcessedEvent
from services.offers.unit_of_work import SqlUnitOfWork, opened

# How often the review pass runs (seconds): marking an offer a little late only delays its email.
REVIEW_INTERVAL = env_float("OFFERS_REVIEW_INTERVAL", 3600)
_log = logging.getLogger(__name__)


class OffersService(Pingable):
    name = "offers"

    # The review pass's day: a test moves it forward in a subclass instead of waiting weeks.
    review_today = staticmethod(today_in_paris)

    db = Database("offers", OutboxMessage, ProcessedEvent)
    identity = TimedRpcProxy("identity")
    matching = TimedRpcProxy("matching")

    def _lookups(self) -> catalogue.Lookups:
        return catalogue.Lookups(self.identity.team_spaces, self.matching.unknown_schools)

    @rpc
    def create_offer(self, actor: dict[str, Any], body: dict[str, Any], idempotency_key: str | None = None) -> dict:
        offer = parse(OfferBody, body)
        with opened(self.db.transaction) as uow:
            return catalogue.create(uow, Actor(**actor), offer, today_in_paris(), self._lookups(), idempotency_key)

    @rpc
    def get_offer(self, actor: dict[str, Any], offer_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return catalogue.get(uow, Actor(**actor), offer_id, today_in_paris())

    @rpc
    def list_offers(
        self,
        actor: dict[str, Any],
        space_id: int | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = catalogue.PER_PAGE,
    ) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return catalogue.list_team_offers(uow, Actor(**actor), today_in_paris(), space_id, status, page, per_page)

    @rpc
    def update_offer(self, actor: dict[str, Any], offer_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return catalogue.update(uow, Actor(**actor), offer_id, patch, today_in_paris(), self._lookups())

    @rpc
    def delete_offer(self, actor: dict[str, Any], offer_id: int) -> None:
        with opened(self.db.transaction) as uow:
            catalogue.delete(uow, Actor(**actor), offer_id)

    @rpc
    def duplicate_offer(self, actor: dict[str, Any], offer_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return catalogue.duplicate(uow, Actor(**actor), offer_id, today_in_paris())

    @rpc
    def publish_offer(self, actor: dict[str, Any], offer_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return catalogue.publish(uow, Actor(**actor), offer_id, today_in_paris())

    @rpc
    def unpublish_offer(self, actor: dict[str, Any], offer_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return catalogue.unpublish(uow, Actor(**actor), offer_id, today_in_paris())

    @rpc
    def preview_offer(self, actor: dict[str, Any] | None, offer_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return catalogue.preview(uow, Actor(**actor) if actor else None, offer_id, today_in_paris())

    @rpc
    def applicant_preview_offer(self, offer_id: int) -> dict[str, Any]:
        """``OfferPreview`` of an offer, even closed to pupils (never a deleted one): the gateway
        calls it only for a pupil whom conventions knows to have applied to it."""
        with opened(self.db.transaction) as uow:
            return catalogue.applicant_preview(uow, offer_id, today_in_paris())

    # -- drafts (« brouillons ») of the offer form ---------------------------------------------

    @rpc
    def save_offer_draft(
        self, actor: dict[str, Any], draft_id: int | None, content: dict[str, Any], offer_id: int | None = None
    ) -> dict[str, Any]:
        """``OfferDraftOut``: a new draft (``draft_id`` None; of ``offer_id`` when given) or new content."""
        with opened(self.db.transaction) as uow:
            return drafts.save(uow, Actor(**actor), draft_id, content, offer_id, utcnow())

    @rpc
    def get_offer_draft(self, actor: dict[str, Any], draft_id: int) -> dict[str, Any]:
        with opened(self.db.transaction) as uow:
            return drafts.get(uow, Actor(**actor), draft_id)

    @rpc
    def list_offer_drafts(self, actor: dict[str, Any]) -> list[dict[str, Any]]:
        """The team's drafts, the last saved first."""
        with opened(self.db.transaction) as uow:
            return drafts.listing(uow, Actor(**actor))

    @rpc
    def delete_offer_draft(self, actor: dict[str, Any], draft_id: int) -> None:
        with opened(self.db.transaction) as uow:
            drafts.delete(uow, Actor(**actor), draft_id)

    @rpc
    def submit_offer_draft(self, actor: dict[str, Any], draft_id: int) -> dict[str, Any]:
        """``OfferOut``: a new unpublished offer, or the edited offer; the draft is deleted."""
        with opened(self.db.transaction) as uow:
            return drafts.submit(uow, Actor(**actor), draft_id, today_in_paris(), self._lookups())

    # -- partner API v2: operators' offers, keyed by their remote_id -----------------------

    @rpc
    def partner_create(self, operator_id: int, payload: Any) -> dict[str, Any]:
        with self.db.transaction() as session:
            return partner.create(session, operator_id, payload, today_in_paris())

    @rpc
    def partner_update(self, operator_id: int, remote_id: str, payload: Any) -> dict[str, Any]:
        with self.db.transaction() as session:
            return partner.update(session, operator_id, remote_id, payload, today_in_paris())

    @rpc
    def partner_destroy(self, operator_id: int, remote_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return partner.destroy(session, operator_id, remote_id, today_in_paris())

    @rpc
    def partner_index(self, operator_id: int, page: int = 1) -> dict[str, Any]:
        with self.db.transaction() as session:
            return partner.index(session, operator_id, page, today_in_paris(), Settings.from_env().public_url)

    @rpc
    def partner_search(self, operator_id: int, params: dict[str, Any]) -> dict[str, Any]:
        """Matching's index finds the page's offers (asked before the transaction: no connection
        is held during the call); their content is read here."""
        page = params.get("page") or 1
        found = self.matching.partner_search_ids({**params, "page": page, "per_page": partner.PER_PAGE})
        with self.db.transaction() as session:
            return partner.search(session, operator_id, found, page, today_in_paris(), Settings.from_env().public_url)

    # -- administrators' figures -----------------------------------------------------------------

    @rpc
    def offer_statistics(self, departments: list[str] | None = None) -> dict[str, Any]:
        """``OfferStatistics`` of the current school year; ``departments``: only those (None: all)."""
        with self.db.transaction() as session:
            return statistics.offer_statistics(session, SchoolYear.current(today_in_paris()), departments)

    # -- applications (conventions): what an application reads, and the seats taken ------------

    @rpc
    def offer_for_application(self, offer_id: int) -> dict[str, Any]:
        """``OfferForApplication`` of any offer (``status`` "deleted" once deleted); 404 when unknown."""
        with opened(self.db.transaction) as uow:
            return seats.offer_for_application(uow, offer_id, today_in_paris())

    @reliable_handler("conventions", OFFER_SEATS_CHANGED)
    @once_per_event
    def on_offer_seats_changed(self, session: Session, event: dict[str, Any]) -> None:
        seats.apply_seats_changed(SqlUnitOfWork(session), event["data"], today_in_paris())

    # -- teams and spaces (identity): offers follow the spaces they are filed in ---------------

    @rpc
    def count_space_offers(self, team_id: int, space_id: int) -> int:
        """How many offers (not deleted, any status) the team has in that space."""
        with self.db.transaction() as session:
            return team_moves.count_space_offers(session, team_id, space_id)

    @rpc
    def move_space_offers(self, team_id: int, from_space_id: int, to_space_id: int) -> int:
        """Move the team's offers of one space to another (each a new version); how many moved."""
        with self.db.transaction() as session:
            return team_moves.move_space_offers(session, team_id, from_space_id, to_space_id, today_in_paris())

    @reliable_handler("identity", TEAM_MEMBER_JOINED)
    @once_per_event
    def on_team_member_joined(self, session: Session, event: dict[str, Any]) -> None:
        """The offers of the spaces a new member brought along become their new team's."""
        team_moves.apply_member_joined(session, event["data"], today_in_paris())

    # -- offers to update (« à mettre à jour »): past weeks, no seat left, last school year ------

    @timer(interval=REVIEW_INTERVAL)
    def review_offers_timer(self) -> None:
        """Every ``OFFERS_REVIEW_INTERVAL`` seconds: see ``review_offers``."""
        marked = review.run(self.db.transaction, self.review_today())
        if marked:
            _log.info("%s offers marked to update", marked)

    @rpc
    def review_offers(self) -> dict[str, int]:
        """One review pass now (operators, tests): ``{"marked": n}``, the offers this pass marked
        « à mettre à jour » (hidden from search, their hosts emailed). Idempotent: an offer is
        marked once, whichever replica's pass comes first."""
        return {"marked": review.run(self.db.transaction, self.review_today())}
