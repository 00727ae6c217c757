"""The administrators' figures: what offers and conventions answer (aggregates of the current
school year, by department and by status) and what the gateway shows (GET /api/v1/statistics)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

GRADES = ("quatrieme", "troisieme", "seconde")


class GradeFigures(BaseModel):
    offers: int = 0
    seats: int = 0


class DepartmentOffers(BaseModel):
    """Published offers of one department (the place's postal code), RPC ``offers.offer_statistics``."""

    department: str
    offers: int
    seats: int
    by_grade: dict[str, GradeFigures] = Field(description="Par classe : quatrieme, troisieme, seconde.")
    reserved_rep: int
    reserved_qpv: int
    reserved_schools: int
    reserved_any: int


class OfferStatistics(BaseModel):
    school_year: str
    departments: list[DepartmentOffers]


class ConventionStatistics(BaseModel):
    """RPC ``conventions.convention_statistics``: counts by status."""

    school_year: str
    applications: dict[str, int]
    conventions: dict[str, int]


class Column(BaseModel):
    key: str = Field(description="Code de la colonne : offers, seats, share, count.")
    label: str


class Row(BaseModel):
    key: str = Field(description="Code de la ligne : département, classe, statut, « total »…")
    label: str
    values: dict[str, int | float] = Field(description="Une valeur par colonne (par son code).")


class Section(BaseModel):
    key: str = Field(description="offers_by_department, offers_by_grade, reserved_offers, applications_by_status…")
    title: str
    row_heading: str = Field(description="Intitulé de la colonne des lignes : Département, Classe, Statut…")
    columns: list[Column]
    rows: list[Row]


class StatisticsOut(BaseModel):
    """The figures of the current school year, for the whole country or one academy."""

    school_year: str = Field(description="Année scolaire, « 2026-2027 ».")
    academy: str | None = Field(description="Académie de l'administrateur ; null : toute la France.")
    offers: int
    seats: int
    sections: list[Section]


# -- the hosts' figures: views, applications, accepted, signed per offer (« Statistiques de mes offres »)

OFFER_VIEWED = "offer_viewed"
"""Published by the gateway (its ``gateway.events`` exchange, no outbox: a lost view is only a
figure one lower) when a pupil opens an offer's page; matching keeps one per pupil per day."""


class OfferViewed(BaseModel):
    """A pupil read an offer's page on ``day`` (Europe/Paris), as the gateway saw it."""

    offer_id: int
    pupil_id: int
    day: date = Field(description="Jour de la consultation (Europe/Paris).")


class OfferOutcomes(BaseModel):
    """RPC ``conventions.offer_outcomes``: one offer's applications and what became of them."""

    applications: int = Field(default=0, description="Candidatures reçues, quel que soit leur statut.")
    accepted: int = Field(
        default=0, description="Candidatures acceptées par l'offreur (acceptées, puis confirmées par l'élève)."
    )
    signed: int = Field(default=0, description="Conventions signées par toutes les parties.")


class HostFigures(OfferOutcomes):
    views: int = Field(
        default=0, description="Consultations de la page de l'offre par des élèves, une par élève et par jour."
    )


class OfferFigures(HostFigures):
    offer_id: int
    title: str
    status: str = Field(description="Statut de l'offre : published, unpublished…")
    space_id: int | None


class SpaceFigures(HostFigures):
    space_id: int
    name: str
    offers: int = Field(description="Offres de l'espace (non supprimées).")


class HostStatisticsOut(BaseModel):
    """``GET /api/v1/offers/statistics``: the team's offers' figures, per offer, per space and in all."""

    offers: list[OfferFigures] = Field(description="Les offres de l'équipe, la plus récente d'abord.")
    spaces: list[SpaceFigures] = Field(description="Les totaux de chaque espace de l'équipe.")
    total: HostFigures = Field(description="Les totaux de l'équipe.")
