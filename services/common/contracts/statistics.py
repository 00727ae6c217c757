"""The administrators' figures: what offers and conventions answer (aggregates of the current
school year, by department and by status) and what the gateway shows (GET /api/v1/statistics)."""

from __future__ import annotations

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
