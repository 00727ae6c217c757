"""The pupils' offer search on the wire: the query (HTTP and RPC alike) and the answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.common.contracts.formats import IsoWeek
from services.common.contracts.offers import SECTOR_PATTERN
from services.common.contracts.schools import WholePoint
from services.common.school_calendar import normalize_weeks

MAX_RADIUS_KM = 60.0
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_WEEKS = 60

Grade = Literal["quatrieme", "troisieme", "seconde"]


class OfferSearchQuery(WholePoint):
    """``?latitude=&longitude=&radius_km=&grade=&weeks=2026-W03,2026-W04&keyword=&page=``.

    A pupil's search takes their school's place, their grade and their school's weeks for
    whatever is not given; anyone else gives the place.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    latitude: float | None = Field(default=None, ge=-90, le=90, description="Centre de la recherche.")
    longitude: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float = Field(default=MAX_RADIUS_KM, gt=0, le=MAX_RADIUS_KM, description="Rayon, 60 km au plus.")
    grade: Grade | None = Field(default=None, description="quatrieme, troisieme ou seconde.")
    weeks: list[IsoWeek] = Field(
        default_factory=list,
        max_length=MAX_WEEKS,
        description="Semaines ISO séparées par des virgules (2026-W03,2026-W04) : offres ouvertes l'une d'elles.",
    )
    keyword: str | None = Field(
        default=None, max_length=100, description="Mots du titre, de la description ou de l'employeur (sans accents)."
    )
    sector: str | None = Field(default=None, pattern=SECTOR_PATTERN, description="Secteur d'activité, s1 à s51.")
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=PER_PAGE, ge=1, le=MAX_PER_PAGE)

    @field_validator(
        "latitude", "longitude", "grade", "keyword", "sector", "radius_km", "page", "per_page", mode="before"
    )
    @classmethod
    def _empty_is_absent(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].get_default(call_default_factory=True)
        return value

    @field_validator("weeks", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("weeks")
    @classmethod
    def _weeks(cls, value: list[str]) -> list[str]:
        return normalize_weeks(value)


class ReservedFor(BaseModel):
    rep: bool
    qpv: bool
    school_uai: str | None


class OfferFound(BaseModel):
    """An offer in the pupils' search results."""

    id: int
    title: str
    employer_name: str
    city: str
    zipcode: str
    distance_km: float = Field(description="Distance à vol d'oiseau, en km (au dixième).")
    weeks: list[str] = Field(
        description=(
            "Semaines ouvertes, dans l'ordre ; une offre « toute l'année » liste les semaines de collège à venir."
        )
    )
    all_year: bool = Field(description="Ouverte toute l'année scolaire (collège).")
    remaining_seats: int
    sector: str
    latitude: float = Field(description="Lieu du stage (pour une carte).")
    longitude: float
    reserved_for: ReservedFor


class OfferSearchPage(BaseModel):
    total: int
    page: int
    per_page: int
    results: list[OfferFound]
