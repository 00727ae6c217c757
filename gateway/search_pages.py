"""The pupils' search page, « Rechercher un stage »: a GET form (distance, weeks, keyword, the
place « Autour de ») over the same search as ``GET /api/v1/offers/search``, its results as a
list of cards, 20 a page, and a map of the same results (``search-map.mjs``).

A logged-in pupil searches by default around their school, for their grade and their
school's weeks (the matching service's defaults); anybody else names a place. The page
works without JavaScript: the list is the page, the map only repeats it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from gateway import pages
from gateway.error_statuses import is_server_side
from gateway.favourites import favourites_among, shows_buttons
from gateway.offer_form import SECTOR_OPTIONS, week_choices, week_label
from gateway.page_routing import FormErrors, Page, page
from gateway.routing import Call, route
from services.common.contracts.search import MAX_RADIUS_KM, PER_PAGE, OfferSearchQuery
from services.common.errors import DomainError
from services.common.school_calendar import Week, today_in_paris
from services.common.sectors import BY_CODE

SEARCH = "/rechercher-un-stage"
PUPIL = "student"
RADII = (5, 10, 20, 30, 60)
DEFAULT_RADIUS = int(MAX_RADIUS_KM)
PLACE_FIELD = "autour_de"
WEEKS_SHOWN = 3
DEFAULT_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"


@dataclass
class SearchForm:
    """What the visitor asked, read from the page's query string (wrong values dropped)."""

    radius_km: int = DEFAULT_RADIUS
    weeks: list[str] = field(default_factory=list)
    sector: str = ""
    keyword: str = ""
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    page: int = 1

    def api_query(self) -> dict[str, Any]:
        """The same search as ``GET /api/v1/offers/search`` with these query parameters."""
        query: dict[str, Any] = {"radius_km": self.radius_km, "page": self.page}
        if self.latitude is not None and self.longitude is not None:
            query.update(latitude=self.latitude, longitude=self.longitude)
        if self.weeks:
            query["weeks"] = ",".join(self.weeks)
        if self.keyword:
            query["keyword"] = self.keyword
        if self.sector:
            query["sector"] = self.sector
        return query

    def link_base(self) -> str:
        """This search's address, ending where the page number goes (``…&page=``)."""
        pairs: list[tuple[str, Any]] = [("radius_km", self.radius_km)]
        pairs += [("weeks", week) for week in self.weeks]
        if self.sector:
            pairs.append(("sector", self.sector))
        if self.keyword:
            pairs.append(("keyword", self.keyword))
        if self.place:
            pairs.append((PLACE_FIELD, self.place))
        if self.latitude is not None and self.longitude is not None:
            pairs += [("latitude", self.latitude), ("longitude", self.longitude)]
        return f"{SEARCH}?{urlencode([*pairs, ('page', '')])}"


def _number(text: str | None, low: float, high: float) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def read_form(args: MultiDict[str, str], weeks_offered: set[str]) -> SearchForm:
    """The search the query string asks for; a value the form cannot give is ignored."""
    radius = _number(args.get("radius_km"), 0, MAX_RADIUS_KM)
    page_number = _number(args.get("page"), 1, 10_000)
    sector = (args.get("sector") or "").strip()
    return SearchForm(
        radius_km=int(radius) if radius in RADII else DEFAULT_RADIUS,
        weeks=sorted({week for week in args.getlist("weeks") if week in weeks_offered}),
        sector=sector if sector in BY_CODE else "",
        keyword=" ".join((args.get("keyword") or "").split())[:100],
        place=" ".join((args.get(PLACE_FIELD) or "").split())[:200],
        latitude=_number(args.get("latitude"), -90, 90),
        longitude=_number(args.get("longitude"), -180, 180),
        page=int(page_number or 1),
    )


def distance_label(distance_km: float) -> str:
    """« à 12 km », « à 0,4 km » (tenths under 10 km, where they matter)."""
    if distance_km < 10:
        return f"à {distance_km:.1f} km".replace(".", ",").replace(",0 km", " km")
    return f"à {round(distance_km)} km"


def seats_label(seats: int) -> str:
    """« 1 place disponible », « 3 places disponibles »."""
    return f"{seats} place disponible" if seats == 1 else f"{seats} places disponibles"


def count_label(total: int) -> str:
    """« 1 offre », « 12 offres », « Aucune offre »."""
    if total == 0:
        return "Aucune offre"
    return f"{total} offre" if total == 1 else f"{total} offres"


def weeks_labels(result: Mapping[str, Any]) -> list[str]:
    """The result's weeks as the card shows them: « Toute l'année », or the first weeks with their dates."""
    if result.get("all_year"):
        return ["Toute l'année"]
    labels = []
    for text in result["weeks"][:WEEKS_SHOWN]:
        try:
            labels.append(week_label(Week.parse(text)))
        except ValueError:
            labels.append(str(text))
    more = len(result["weeks"]) - WEEKS_SHOWN
    if more > 0:
        labels.append(f"et {more} autre{'s' if more > 1 else ''} semaine{'s' if more > 1 else ''}")
    return labels


def card(result: Mapping[str, Any]) -> dict[str, Any]:
    """One result as its card shows it (coordinates for the map when the search gives them)."""
    sector = BY_CODE.get(result["sector"])
    return {
        "id": result["id"],
        "title": result["title"],
        "employer_name": result["employer_name"],
        "city": result["city"],
        "zipcode": result["zipcode"],
        "distance": distance_label(result["distance_km"]),
        "weeks": weeks_labels(result),
        "seats": seats_label(result["remaining_seats"]),
        "sector": sector.name if sector else result["sector"],
        "latitude": result.get("latitude"),
        "longitude": result.get("longitude"),
    }


def map_tiles() -> dict[str, str]:
    """Where the map's tiles come from (``MAP_TILES_URL``; none offline) and whose they are."""
    url = os.environ.get("MAP_TILES_URL", "").strip()
    attribution = os.environ.get("MAP_TILES_ATTRIBUTION", DEFAULT_ATTRIBUTION) if url else ""
    return {"url": url, "attribution": attribution}


class SearchPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    matching: Any
    lookups: Any

    @page("GET", SEARCH, "Rechercher un stage : les offres autour d'un lieu, en liste et sur une carte")
    def search_page(self, current: Page) -> Response:
        today = today_in_paris()
        weeks = week_choices(today)
        form = read_form(current.args, {choice.week for choice in weeks})
        user = current.user
        pupil = user is not None and user.role == PUPIL and bool(user.school_uai)
        errors = FormErrors()
        ticked = form.weeks or (self._school_weeks(user.school_uai, user.grade) if pupil and user else [])
        if form.place and (form.latitude is None or form.longitude is None):
            # Without JavaScript (or no suggestion chosen): the place typed, found by the server.
            found = self.lookups.addresses.suggest(form.place, 1)
            if found:
                form.latitude, form.longitude = float(found[0].latitude), float(found[0].longitude)
            else:
                errors.add(PLACE_FIELD, f"Aucun lieu trouvé pour « {form.place} » : vérifiez son orthographe.")
        search: dict[str, Any] | None = None
        located = form.latitude is not None and form.longitude is not None
        if not errors and (pupil or located):
            search = self._search(current, form)
        return current.render(
            "search/search.html",
            status=422 if errors else 200,
            form=form,
            errors=errors,
            pupil=pupil,
            radii=RADII,
            weeks=weeks,
            ticked=set(ticked),
            weeks_open=bool(form.weeks),
            sectors=SECTOR_OPTIONS,
            search=search,
            tiles=map_tiles(),
        )

    def _search(self, current: Page, form: SearchForm) -> dict[str, Any]:
        """The search's answer for the page: count, cards, pages."""
        params = OfferSearchQuery.model_validate(form.api_query()).model_dump(mode="json", exclude_unset=True)
        actor = current.actor
        if actor is not None and actor["role"] == PUPIL and not params.get("grade"):
            params["grade"] = actor["grade"]  # as the JSON route does: the session holds the grade
        answer = self.matching.search_offers(actor, params)
        pages_count = max(1, -(-answer["total"] // PER_PAGE))
        ids = [result["id"] for result in answer["results"]]
        return {
            "total": answer["total"],
            "count": count_label(answer["total"]),
            "cards": [card(result) for result in answer["results"]],
            "page": form.page,
            "pages": pages_count,
            "link": form.link_base(),
            # A pupil's buttons « Ajouter aux favoris » come back to this very page of results.
            "favourites": favourites_among(self.matching, current.user, actor, ids)
            if shows_buttons(current.user)
            else None,
            "here": f"{form.link_base()}{form.page}",
        }

    def _school_weeks(self, uai: str | None, grade: str | None) -> list[str]:
        """The weeks the pupil's school chose (collège weeks: none for a pupil of seconde)."""
        if not uai or grade == "seconde":
            return []
        try:
            return list(self.matching.get_school_weeks(uai)["weeks"])
        except DomainError as exc:
            if is_server_side(exc):
                raise
            return []

    @route(
        "GET",
        "/static/leaflet/<path:path>",
        summary="La carte (Leaflet et ses groupes de marqueurs) : scripts, styles, images",
        tag="web",
        auth=False,
        raw=True,
    )
    def leaflet_asset(self, call: Call) -> Response:
        return pages.leaflet_asset(call.path["path"])
