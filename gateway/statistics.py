"""The administrators' figures as people read them: the offers' and conventions' aggregates
(``services.common.contracts.statistics``) shaped into titled sections of labelled rows, with
totals and shares, the French way of writing numbers, and the CSV export (one row per figure).

Plain functions, no RPC: the page, the JSON route and the CSV share them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway import csv_files
from services.common.academies import department_label
from services.common.contracts.statistics import (
    GRADES,
    Column,
    ConventionStatistics,
    OfferStatistics,
    Row,
    Section,
    StatisticsOut,
)

GRADE_LABELS = {"quatrieme": "4e", "troisieme": "3e", "seconde": "2de GT"}
APPLICATION_LABELS = {
    "submitted": "Envoyées, pas encore lues",
    "read": "Lues",
    "validated": "Acceptées par l'offreur",
    "approved": "Confirmées par l'élève",
    "rejected": "Refusées",
    "cancelled": "Annulées",
    "expired": "Expirées",
}
CONVENTION_LABELS = {
    "draft": "À remplir",
    "completed_by_employer": "Remplies par l'offreur",
    "ready_to_sign": "Prêtes à signer",
    "signatures_started": "Signatures en cours",
    "signed_by_all": "Signées par tous",
    "cancelled": "Annulées",
}
RESERVATIONS = (
    ("reserved_rep", "rep", "Réservées aux collèges REP ou REP+"),
    ("reserved_qpv", "qpv", "Réservées aux lycées en quartier prioritaire (QPV)"),
    ("reserved_schools", "schools", "Réservées à un ou plusieurs établissements"),
    ("reserved_any", "any", "Réservées, quelle que soit la réservation"),
)
OFFERS = Column(key="offers", label="Offres publiées")
SEATS = Column(key="seats", label="Places")
COUNT = Column(key="count", label="Nombre")
SHARE = Column(key="share", label="Part (%)")
TOTAL = "total"
NBSP = "\u00a0"


def share(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``, to one decimal (0 when there is no whole)."""
    return round(100 * part / whole, 1) if whole else 0.0


def shape(offers: dict[str, Any], conventions: dict[str, Any], academy: str | None) -> dict[str, Any]:
    """The ``StatisticsOut`` of the answers of ``offers.offer_statistics`` and
    ``conventions.convention_statistics`` (for ``academy``'s departments, or all when None)."""
    by_department = OfferStatistics.model_validate(offers)
    by_status = ConventionStatistics.model_validate(conventions)
    departments = by_department.departments
    total_offers = sum(item.offers for item in departments)
    total_seats = sum(item.seats for item in departments)

    department_rows = [
        Row(
            key=item.department,
            label=department_label(item.department),
            values={"offers": item.offers, "seats": item.seats},
        )
        for item in sorted(departments, key=lambda item: item.department)
    ]
    department_rows.append(Row(key=TOTAL, label="Total", values={"offers": total_offers, "seats": total_seats}))
    grade_rows = [
        Row(
            key=grade,
            label=GRADE_LABELS[grade],
            values={
                "offers": sum(item.by_grade[grade].offers for item in departments if grade in item.by_grade),
                "seats": sum(item.by_grade[grade].seats for item in departments if grade in item.by_grade),
            },
        )
        for grade in GRADES
    ]
    reserved_rows = []
    for field, key, label in RESERVATIONS:
        count = sum(getattr(item, field) for item in departments)
        reserved_rows.append(Row(key=key, label=label, values={"offers": count, "share": share(count, total_offers)}))

    sections = [
        Section(
            key="offers_by_department",
            title="Offres publiées et places par département",
            row_heading="Département",
            columns=[OFFERS, SEATS],
            rows=department_rows,
        ),
        Section(
            key="offers_by_grade",
            title="Offres publiées et places par classe",
            row_heading="Classe",
            columns=[OFFERS, SEATS],
            rows=grade_rows,
        ),
        Section(
            key="reserved_offers",
            title="Offres publiées réservées (égalité des chances)",
            row_heading="Réservation",
            columns=[Column(key="offers", label="Offres"), SHARE],
            rows=reserved_rows,
        ),
        _status_section(
            "applications_by_status", "Candidatures par statut", by_status.applications, APPLICATION_LABELS
        ),
        _status_section("conventions_by_status", "Conventions par statut", by_status.conventions, CONVENTION_LABELS),
    ]
    return StatisticsOut(
        school_year=by_department.school_year,
        academy=academy,
        offers=total_offers,
        seats=total_seats,
        sections=sections,
    ).model_dump(mode="json")


def _status_section(key: str, title: str, counts: dict[str, int], labels: dict[str, str]) -> Section:
    rows = [Row(key=status, label=label, values={"count": counts.get(status, 0)}) for status, label in labels.items()]
    rows.append(Row(key=TOTAL, label="Total", values={"count": sum(counts.values())}))
    return Section(key=key, title=title, row_heading="Statut", columns=[COUNT], rows=rows)


def french_number(value: int | float) -> str:
    """``12345`` → ``12 345`` (a no-break space between thousands), ``12.5`` → ``12,5``."""
    if isinstance(value, float) and not value.is_integer():
        whole, _, decimals = f"{value:.1f}".partition(".")
        return f"{french_number(int(whole))},{decimals}"
    return f"{int(value):,}".replace(",", NBSP)


def csv_rows(report: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    """``(section, key, value)``, one per figure: the section's key, then its column's when it
    has several (``offers_by_department.seats``); the row's key; the value as written in the
    JSON (a point before decimals)."""
    yield ("section", "key", "value")
    yield ("scope", "school_year", report["school_year"])
    yield ("scope", "academy", report["academy"] or "")
    for section in report["sections"]:
        several = len(section["columns"]) > 1
        for column in section["columns"]:
            name = f"{section['key']}.{column['key']}" if several else section["key"]
            for row in section["rows"]:
                yield (name, row["key"], str(row["values"][column["key"]]))


def csv_bytes(report: dict[str, Any]) -> bytes:
    """The CSV export (``gateway/csv_files.py``: what a French spreadsheet opens as it is)."""
    header, *figures = csv_rows(report)
    return csv_files.csv_bytes(header, figures)
