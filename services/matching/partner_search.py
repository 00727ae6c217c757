"""The partner API v2's search (``GET /api/v2/internship_offers/search``) on the offer index.

The pupils' index answers which offers and in which order; the offers service then loads
those of the page and answers in the national API's shape. The rules are the pupils':
offers they can find (published, not « à mettre à jour », seats left), of the grade, with
every word of the keyword. A partner sees the offers reserved to REP/REP+ collèges or QPV
lycées (its answer flags them: ``rep``, ``qpv``), not those reserved to named schools.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.common.geography import EARTH_RADIUS_KM
from services.common.reservations import Audience
from services.matching.offer_index import OfferIndex, SearchQuery

PARTNER_AUDIENCE = Audience(rep=True, qpv=True)
DEFAULT_RADIUS_METERS = 60_000
NORTH_POLE = (90.0, 0.0)
# Farther than any place from any other (half the circumference is the most there is).
WHOLE_EARTH_KM = math.pi * EARTH_RADIUS_KM + 1


class PartnerSearch(BaseModel):
    """What the partner asked (the gateway checked it), and the size of its pages."""

    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    radius: int | None = Field(default=None, ge=1, description="Metres around the point (60 000 by default).")
    keyword: str | None = None
    grade: Literal["quatrieme", "troisieme", "seconde"] | None = None
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=30, ge=1)


def search_ids(index: OfferIndex, query: PartnerSearch) -> dict[str, Any]:
    """``{"total": n, "offer_ids": [...]}``: the ids of the page, nearest first around a point
    (ties by id); without one, every findable offer from north to south (nearest the North
    Pole first: the index ranks by distance, and its search stays a few masks and no scan
    of every offer in Python)."""
    if query.latitude is not None and query.longitude is not None:
        latitude, longitude = query.latitude, query.longitude
        radius_km = (query.radius or DEFAULT_RADIUS_METERS) / 1000
    else:
        latitude, longitude, radius_km = NORTH_POLE[0], NORTH_POLE[1], WHOLE_EARTH_KM
    page = index.search(
        SearchQuery(
            latitude=latitude,
            longitude=longitude,
            radius_km=radius_km,
            grade=query.grade,
            keyword=query.keyword,
            page=query.page,
            per_page=query.per_page,
        ),
        PARTNER_AUDIENCE,
    )
    return {"total": page.total, "offer_ids": [offer.offer_id for _, offer in page.results]}
