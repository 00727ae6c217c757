"""Matching: the schools directory, the weeks schools choose (60 km highlighting), and the
pupils' offer search on its projection of the offers' events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.favourites import FavouritesQuery
from services.common.contracts.offers import OFFER_DELETED, OFFER_PUBLISHED, OFFER_UNPUBLISHED, OFFER_UPDATED
from services.common.contracts.schools import PER_PAGE, SchoolSearchQuery, SchoolWeeksBody
from services.common.contracts.search import OfferSearchQuery
from services.common.contracts.statistics import OFFER_VIEWED, OfferViewed
from services.common.database import Database
from services.common.entrypoints import Pingable, rpc
from services.common.idempotency import idempotent_by_design, once_per_event
from services.common.redelivery import reliable_handler
from services.common.school_calendar import today_in_paris
from services.common.validation import parse
from services.matching import (
    favourites,
    highlighting,
    offer_projection,
    offer_search,
    offer_views,
    partner_search,
    schools,
)
from services.matching.index_provider import OfferIndexProvider
from services.matching.models import OutboxMessage, ProcessedEvent


class MatchingService(Pingable):
    name = "matching"

    db = Database("matching", OutboxMessage, ProcessedEvent)
    offer_index = OfferIndexProvider("matching")

    @rpc
    def search_schools(
        self,
        q: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        limit: int = PER_PAGE,
        page: int = 1,
    ) -> dict[str, Any]:
        """``{results, total, page, per_page}``: by name, city or UAI; nearest first given a point."""
        query = parse(
            SchoolSearchQuery, {"q": q, "latitude": latitude, "longitude": longitude, "per_page": limit, "page": page}
        )
        with self.db.transaction() as session:
            return schools.search(session, query)

    @rpc
    def get_school(self, uai: str) -> dict[str, Any]:
        """``{uai, name, kind, city, zipcode, latitude, longitude, rep, qpv}``; 404 when unknown."""
        with self.db.transaction() as session:
            return schools.get(session, uai)

    @rpc
    def school_exists(self, uai: str) -> bool | None:
        """Whether the directory knows this UAI; None while the directory is empty."""
        with self.db.transaction() as session:
            return schools.exists(session, uai)

    @rpc
    def unknown_schools(self, uais: list[str]) -> list[str] | None:
        """The UAIs (normalized) that the directory does not know; None while it is empty."""
        with self.db.transaction() as session:
            return schools.unknown(session, uais)

    @rpc
    def get_school_weeks(self, uai: str) -> dict[str, list[str]]:
        """``{weeks}``: the school's collège weeks of the current school year."""
        with self.db.transaction() as session:
            return schools.weeks_of(session, uai, today_in_paris())

    @rpc
    def set_school_weeks(self, actor: dict[str, Any], uai: str, weeks: list[str]) -> dict[str, list[str]]:
        """Replace the school's upcoming weeks (that school's staff only)."""
        body = parse(SchoolWeeksBody, {"weeks": weeks})
        with self.db.transaction() as session:
            return schools.set_weeks(session, Actor(**actor), uai, body.weeks, today_in_paris())

    @rpc
    def highlighted_weeks(self, latitude: float, longitude: float) -> list[dict[str, Any]]:
        """``[{week, monday, friday, schools_count}]``: schools within 60 km that chose each week."""
        with self.db.transaction() as session:
            return highlighting.highlighted_weeks(session, latitude, longitude, today_in_paris())

    # -- the pupils' search ---------------------------------------------------------------

    @rpc
    def search_offers(self, actor: dict[str, Any] | None, params: dict[str, Any]) -> dict[str, Any]:
        """``{total, page, per_page, results}``: offers near a place (a pupil's school by default)."""
        query = parse(OfferSearchQuery, params)
        with self.db.transaction() as session:
            caller = Actor(**actor) if actor else None
            return offer_search.search(session, self.offer_index, caller, query, today_in_paris())

    @rpc
    def partner_search_ids(self, params: dict[str, Any]) -> dict[str, Any]:
        """``{total, offer_ids}``: the page of the partner API v2's search, as ids in the answer's
        order (``partner_search``); the offers service answers with their content."""
        return partner_search.search_ids(self.offer_index, parse(partner_search.PartnerSearch, params))

    # -- the pupils' favourite offers (« Mes offres favorites ») -------------------------

    @rpc
    def add_favourite(self, actor: dict[str, Any], offer_id: int) -> dict[str, Any]:
        """``FavouriteOffer``; idempotent; 403 for anyone but a pupil, 404 for an offer they cannot find."""
        with self.db.transaction() as session:
            return favourites.add(session, Actor(**actor), offer_id, today_in_paris())

    @rpc
    def remove_favourite(self, actor: dict[str, Any], offer_id: int) -> None:
        """Idempotent; 403 for anyone but a pupil, 404 for an offer matching never heard of."""
        with self.db.transaction() as session:
            favourites.remove(session, Actor(**actor), offer_id)

    @rpc
    def list_favourites(self, actor: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """``FavouritesPage``: the pupil's favourites, the last added first (deleted offers left out)."""
        query = parse(FavouritesQuery, params)
        with self.db.transaction() as session:
            return favourites.listing(session, Actor(**actor), query.page, query.per_page, today_in_paris())

    @rpc
    def favourite_offer_ids(self, actor: dict[str, Any], offer_ids: list[int]) -> list[int]:
        """Which of ``offer_ids`` the pupil keeps as favourites (none for other roles)."""
        with self.db.transaction() as session:
            return favourites.among(session, Actor(**actor), offer_ids)

    # -- pupils' views of offers' pages (the hosts' statistics) ----------------------------

    @reliable_handler("gateway", OFFER_VIEWED)
    @idempotent_by_design("no processed_events row: the unique (offer, pupil, day) makes a repeat do nothing")
    def on_offer_viewed(self, event: dict[str, Any]) -> None:
        view = OfferViewed.model_validate(event["data"])
        with self.db.transaction() as session:
            offer_views.record(session, view.offer_id, view.pupil_id, view.day)

    @rpc
    def offer_view_counts(self, offer_ids: list[int]) -> dict[str, int]:
        """``{str(offer_id): views}``: pupils' views of each offer, one per pupil per day."""
        with self.db.transaction() as session:
            return offer_views.counts(session, offer_ids)

    # -- the projection of offers (the index refreshes after each handler: index_provider) ---

    @reliable_handler("offers", OFFER_PUBLISHED)
    @once_per_event
    def on_offer_published(self, session: Session, event: dict[str, Any]) -> None:
        offer_projection.apply_snapshot(session, event["data"])

    @reliable_handler("offers", OFFER_UPDATED)
    @once_per_event
    def on_offer_updated(self, session: Session, event: dict[str, Any]) -> None:
        offer_projection.apply_snapshot(session, event["data"])

    @reliable_handler("offers", OFFER_UNPUBLISHED)
    @once_per_event
    def on_offer_unpublished(self, session: Session, event: dict[str, Any]) -> None:
        offer_projection.apply_snapshot(session, event["data"])

    @reliable_handler("offers", OFFER_DELETED)
    @once_per_event
    def on_offer_deleted(self, session: Session, event: dict[str, Any]) -> None:
        offer_projection.apply_deletion(session, event["data"])
