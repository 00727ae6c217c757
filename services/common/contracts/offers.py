"""Offers on the wire: the body a host sends, the answer, and the event matching indexes."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, create_model, field_validator
from pydantic_core import PydanticCustomError

from services.common.contracts.events import EventPayload
from services.common.identifiers import is_valid_siret, is_valid_uai, normalize_uai
from services.common.school_calendar import normalize_weeks

Grade = Literal["quatrieme", "troisieme", "seconde"]
SecondeChoice = Literal["two_weeks", "week_1", "week_2"]
Weekday = Literal["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"]
COLLEGE_GRADES = ("quatrieme", "troisieme")
SECTOR_PATTERN = r"^s([1-9]|[1-4][0-9]|5[01])$"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def normalize_time(value: str) -> str:
    """``9:00`` → ``09:00``; ValueError when it is not a time of day."""
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"heure invalide : {value!r} (format HH:MM)")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


class Employer(Strict):
    """The hosting organisation (its head office may be elsewhere than the internship place)."""

    name: str = Field(min_length=1, max_length=150, description="Raison sociale ou nom de l'organisme.")
    siret: str = Field(
        description=(
            "SIRET de l'organisme (14 chiffres). Pour une école primaire, indiquez le SIRET de la "
            "DSDEN ou du rectorat dont elle dépend."
        )
    )
    is_public: bool = Field(description="Secteur public (administration, collectivité…) ou privé.")
    description: str | None = Field(default=None, max_length=1500)
    website: HttpUrl | None = None

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str) -> str:
        digits = re.sub(r"\s", "", value)
        if not is_valid_siret(digits):
            raise PydanticCustomError("siret", "SIRET invalide (14 chiffres, clé de contrôle incorrecte).")
        return digits


class Place(Strict):
    """Where the internship happens."""

    street: str = Field(min_length=1, max_length=300)
    zipcode: str = Field(pattern=r"^\d{5}$", description="Code postal (5 chiffres).")
    city: str = Field(min_length=1, max_length=150)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class ReservedFor(Strict):
    """Equal-opportunity reservation: REP/REP+ collèges, lycées in a QPV, or one school."""

    rep: bool = False
    qpv: bool = False
    school_uai: str | None = Field(default=None, description="UAI de l'unique établissement concerné.")

    @field_validator("school_uai")
    @classmethod
    def _uai(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not is_valid_uai(value):
            raise PydanticCustomError("uai", "Code UAI invalide (7 chiffres et une lettre de contrôle).")
        return normalize_uai(value)


class OfferBody(Strict):
    """Everything a host gives to publish an offer (the offerer tutorial's form)."""

    space_id: int | None = Field(default=None, description="Espace de l'offre ; l'espace par défaut sinon.")
    title: str = Field(min_length=1, max_length=150)
    description: str = Field(min_length=10, max_length=1500, description="L'offre et les activités proposées.")
    sector: str = Field(pattern=SECTOR_PATTERN, description="Secteur d'activité, s1 à s51.")
    employer: Employer
    place: Place
    workspace_conditions: str | None = Field(
        default=None, min_length=10, max_length=1000, description="Open space, niveau sonore, luminosité…"
    )
    workspace_accessibility: str | None = Field(
        default=None, min_length=10, max_length=1000, description="Ascenseur, informations sonores et visuelles…"
    )
    grades: list[Grade] = Field(min_length=1, description="Élèves visés : quatrieme, troisieme, seconde.")
    seconde_period: SecondeChoice | None = Field(
        default=None, description="Pour la seconde : les deux semaines, ou une."
    )
    college_weeks: Literal["all_year"] | list[str] | None = Field(
        default=None, description="Pour la 4e et la 3e : toute l'année, ou des semaines ISO (2026-W03)."
    )
    daily_hours: dict[Weekday, list[str]] = Field(
        description='Horaires de présence par jour : {"lundi": ["09:00", "17:00"], …}', min_length=1
    )
    lunch_break: str = Field(min_length=8, max_length=250, description="Pause déjeuner : horaires et modalités.")
    max_candidates: int = Field(ge=1, le=6000, description="Nombre d'élèves accueillis.")
    reserved_for: ReservedFor = Field(default_factory=ReservedFor)

    @field_validator("grades")
    @classmethod
    def _grades(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=("quatrieme", "troisieme", "seconde").index)

    @field_validator("college_weeks")
    @classmethod
    def _college_weeks(cls, value: str | list[str] | None) -> str | list[str] | None:
        if not isinstance(value, list):
            return value
        return normalize_weeks(value)

    @field_validator("daily_hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        hours = {}
        for day, span in value.items():
            if len(span) != 2:
                raise ValueError(f"{day} : indiquez une heure d'arrivée et une heure de départ.")
            start, end = normalize_time(span[0]), normalize_time(span[1])
            if start >= end:
                raise ValueError(f"{day} : l'heure de départ doit suivre l'heure d'arrivée.")
            hours[day] = [start, end]
        return hours


def _partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    fields: dict[str, Any] = {
        field: (info.annotation | None, Field(default=None, description=info.description))
        for field, info in model.model_fields.items()
    }
    return create_model(name, __base__=Strict, __doc__="Any subset of the offer's fields.", **fields)


OfferPatch = _partial(OfferBody, "OfferPatch")


class OfferOut(OfferBody):
    """An offer as its team sees it."""

    model_config = ConfigDict(extra="ignore")

    id: int
    team_id: int
    space_id: int  # type: ignore[assignment]
    status: Literal["published", "unpublished"]
    remaining_seats: int
    weeks: list[str] = Field(description="Semaines ouvertes, toutes classes confondues.")
    seconde_label: str | None = None
    created_at: str
    updated_at: str
    published_at: str | None


class OfferPreview(BaseModel):
    """An offer exactly as pupils see it: public fields only."""

    id: int
    title: str
    description: str
    sector: str
    employer: dict[str, Any]
    place: Place
    workspace_conditions: str | None
    workspace_accessibility: str | None
    grades: list[str]
    weeks: list[str]
    college_weeks: Literal["all_year"] | list[str] | None
    seconde_label: str | None
    daily_hours: dict[str, list[str]]
    lunch_break: str
    remaining_seats: int
    reserved_for: ReservedFor


class SecondeWeek(BaseModel):
    week: str
    monday: str
    friday: str


class SecondeCalendar(BaseModel):
    week_1: SecondeWeek
    week_2: SecondeWeek
    labels: dict[str, str] = Field(description="Libellé de chaque choix : two_weeks, week_1, week_2.")


# events ------------------------------------------------------------------------------------
OFFER_PUBLISHED = "offer_published"
OFFER_UPDATED = "offer_updated"
OFFER_UNPUBLISHED = "offer_unpublished"
OFFER_DELETED = "offer_deleted"


class OfferSnapshot(EventPayload):
    """What matching needs to index an offer; ``version`` orders snapshots of one offer."""

    offer_id: int
    version: int
    status: str
    # Whose offer, in which space: conventions keeps its applications' copies in step.
    team_id: int | None = None
    space_id: int | None = None
    title: str
    description: str
    employer_name: str
    sector: str
    street: str
    zipcode: str
    city: str
    latitude: float
    longitude: float
    grades: list[str]
    college_weeks: Literal["all_year"] | list[str] | None
    seconde_weeks: list[str]
    max_candidates: int
    remaining_seats: int
    reserved_rep: bool
    reserved_qpv: bool
    reserved_school_uai: str | None


class OfferDeleted(EventPayload):
    offer_id: int
    version: int


class OfferForApplication(BaseModel):
    """What conventions reads of an offer when a pupil applies (RPC ``offers.offer_for_application``)."""

    offer_id: int
    status: Literal["published", "unpublished", "deleted"]
    team_id: int | None
    space_id: int | None
    title: str
    description: str
    employer_name: str
    employer_siret: str | None
    street: str
    zipcode: str
    city: str
    grades: list[str]
    college_weeks: Literal["all_year"] | list[str] | None
    seconde_weeks: list[str] = Field(description="Semaines de seconde de l'offre (année scolaire en cours).")
    daily_hours: dict[str, list[str]]
    lunch_break: str
    max_candidates: int
    approved_count: int
    reserved_rep: bool
    reserved_qpv: bool
    reserved_school_uai: str | None
