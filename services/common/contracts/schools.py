"""The schools directory and school weeks on the wire: queries, answers, the weeks event."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.common.contracts.events import EventPayload
from services.common.contracts.formats import IsoWeek
from services.common.school_calendar import normalize_weeks
from services.common.validation import CROSS_FIELD_ERROR

SchoolKind = Literal["college", "lycee"]
PriorityNetwork = Literal["REP", "REP+"]

PER_PAGE = 20
MAX_PER_PAGE = 100
# A school year has about 38 collège weeks: more than this is not a choice.
MAX_WEEKS = 60


class SchoolOut(BaseModel):
    """A school of the directory."""

    uai: str = Field(description="Code UAI (7 chiffres et une lettre).")
    name: str
    kind: SchoolKind = Field(description="college, ou lycee (lycées ayant une 2de générale ou technologique).")
    city: str
    zipcode: str
    latitude: float
    longitude: float
    rep: PriorityNetwork | None = Field(description="Réseau d'éducation prioritaire : REP, REP+ ou null.")
    qpv: bool = Field(description="Établissement situé dans un quartier prioritaire de la ville.")


class SchoolFound(SchoolOut):
    """A school in search results; ``distance_km`` from the given point, when one is given."""

    distance_km: float | None = Field(default=None, description="Distance à vol d'oiseau, en km.")


class SchoolList(BaseModel):
    results: list[SchoolFound]
    total: int
    page: int
    per_page: int


class WholePoint(BaseModel):
    """Mixed into queries with an optional point: latitude and longitude come together."""

    @classmethod
    def cross_field_errors(cls, data: dict[str, Any]) -> list[tuple[str, str]]:
        """A point needs both coordinates; also run on raw input when other fields fail."""

        def given(name: str) -> bool:
            value = data.get(name)
            return value is not None and not (isinstance(value, str) and not value.strip())

        if given("latitude") and not given("longitude"):
            return [("longitude", "Indiquez aussi la longitude.")]
        if given("longitude") and not given("latitude"):
            return [("latitude", "Indiquez aussi la latitude.")]
        return []

    @model_validator(mode="after")
    def _whole_point(self) -> Self:
        errors = self.cross_field_errors(self.model_dump())
        if errors:
            raise PydanticCustomError(CROSS_FIELD_ERROR, "{fields}", {"fields": errors})
        return self


class SchoolSearchQuery(WholePoint):
    """``?q=&latitude=&longitude=&page=&per_page=``: every part optional; a point comes whole."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    q: str | None = Field(
        default=None, max_length=100, description="Nom, ville, code postal ou UAI (sans tenir compte des accents)."
    )
    latitude: float | None = Field(
        default=None, ge=-90, le=90, description="Avec longitude : les plus proches d'abord."
    )
    longitude: float | None = Field(default=None, ge=-180, le=180)
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=PER_PAGE, ge=1, le=MAX_PER_PAGE)

    @field_validator("q", "latitude", "longitude", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: Any) -> Any:
        # API.md writes the query as ?q=&latitude=&longitude=: an empty parameter means "not given".
        if isinstance(value, str) and not value.strip():
            return None
        return value


class SchoolWeeksBody(BaseModel):
    """The school's choice of collège weeks; it replaces the upcoming ones."""

    model_config = ConfigDict(extra="forbid")

    weeks: list[IsoWeek] = Field(
        max_length=MAX_WEEKS, description="Semaines ISO de l'année scolaire en cours (2026-W03), à venir."
    )

    @field_validator("weeks")
    @classmethod
    def _weeks(cls, value: list[str]) -> list[str]:
        return normalize_weeks(value)


class SchoolWeeks(BaseModel):
    """The collège weeks of the current school year a school chose."""

    weeks: list[str] = Field(description="Semaines ISO (2026-W03), dans l'ordre.")


# events ------------------------------------------------------------------------------------
SCHOOL_WEEKS_CHANGED = "school_weeks_changed"


class PointQuery(BaseModel):
    """A place (the internship's): latitude and longitude in degrees."""

    model_config = ConfigDict(extra="ignore")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class HighlightedWeek(BaseModel):
    week: str
    monday: str
    friday: str
    schools_count: int = Field(description="Établissements à 60 km au plus qui ont choisi cette semaine.")


class SchoolWeeksChanged(EventPayload):
    """A school's choice of weeks changed: ``weeks`` is its whole choice for the current year."""

    uai: str
    weeks: list[str]
