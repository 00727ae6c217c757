"""Exports of a team's (or a school's) applications and conventions, as CSV or Excel (XLSX).

The rows are the list's: the same filters, the same visibility (the conventions service
decides who sees what), read from its list a page at a time while the answer is being sent,
so that an export of thousands of rows never holds them all. The first page is asked before
answering, so that a refusal (403, 422) is an error answer and not an empty file.

The CSV is written by ``gateway/csv_files.py`` (what a French spreadsheet opens as it is, with
no text run as a formula), the Excel file by ``gateway/xlsx_files.py``: both are sent while
the rows are read, neither is held whole in memory or on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Literal

from werkzeug.wrappers import Response

from gateway import csv_files, xlsx_files
from gateway.application_pages import APPLICATION_STATUSES, GRADE_LABELS, paris_day, phone_text, weeks_text
from gateway.convention_pages import SIGNATORY_NAMES
from gateway.csv_files import Cell, csv_chunks
from gateway.xlsx_files import xlsx_chunks
from services.common.errors import forbidden
from services.common.school_calendar import today_in_paris

ExportFormat = Literal["csv", "xlsx"]

# As large as the list API allows: fewer calls for a long export.
EXPORT_PAGE_SIZE = 100
EXPORTING_ROLES = ("employer", "school_manager", "teacher")
MEDIA_TYPES: dict[str, str] = {"csv": csv_files.MEDIA_TYPE, "xlsx": xlsx_files.MEDIA_TYPE}

CONVENTION_STATUSES = {
    "draft": "en préparation",
    "completed_by_employer": "remplie par l'organisme d'accueil",
    "ready_to_sign": "prête à signer",
    "signatures_started": "signatures en cours",
    "signed_by_all": "signée par tous",
    "cancelled": "annulée",
}


def _day(instant: str | None) -> date | None:
    return paris_day(instant) if instant else None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


APPLICATION_COLUMNS: tuple[tuple[str, Callable[[Mapping[str, Any]], Cell]], ...] = (
    ("N° de candidature", lambda a: a["id"]),
    ("Élève", lambda a: a["student_name"]),
    ("Classe", lambda a: GRADE_LABELS.get(a.get("grade") or "", a.get("grade"))),
    ("UAI de l'établissement", lambda a: a.get("school_uai")),
    ("Téléphone de l'élève", lambda a: phone_text(a.get("phone")) or None),
    ("N° de l'offre", lambda a: a["offer_id"]),
    ("Offre", lambda a: a["offer_title"]),
    ("Structure d'accueil", lambda a: a["employer_name"]),
    ("Ville", lambda a: a["city"]),
    ("Semaines demandées", lambda a: weeks_text(a["weeks"]) if a["weeks"] else None),
    ("Statut", lambda a: APPLICATION_STATUSES.get(a["status"], (a["status"], ""))[0]),
    ("Motif", lambda a: a.get("reason")),
    ("Reçue le", lambda a: _day(a["created_at"])),
    ("Dernier changement le", lambda a: _day(a["updated_at"])),
    ("Expire le", lambda a: _day(a.get("expires_at"))),
    ("N° de convention", lambda a: a.get("convention_id")),
    ("Lettre de motivation", lambda a: a["motivation"]),
)

CONVENTION_COLUMNS: tuple[tuple[str, Callable[[Mapping[str, Any]], Cell]], ...] = (
    ("N° de convention", lambda c: c["id"]),
    ("Élève", lambda c: c["student_name"]),
    ("Classe", lambda c: c.get("student_class") or GRADE_LABELS.get(c.get("grade") or "", c.get("grade"))),
    ("Établissement", lambda c: c.get("school_name")),
    ("UAI de l'établissement", lambda c: c.get("school_uai")),
    ("N° de l'offre", lambda c: c["offer_id"]),
    ("Offre", lambda c: c["offer_title"]),
    ("Structure d'accueil", lambda c: c["employer_name"]),
    ("SIRET", lambda c: c.get("employer_siret")),
    ("Lieu du stage", lambda c: c["place"]),
    ("Début", lambda c: _date(c["start_date"])),
    ("Fin", lambda c: _date(c["end_date"])),
    ("État", lambda c: CONVENTION_STATUSES.get(c["status"], c["status"])),
    ("Reste à signer", lambda c: ", ".join(SIGNATORY_NAMES.get(r, r) for r in c.get("awaiting_signatures") or [])),
    ("Tuteur ou tutrice", lambda c: c.get("tutor_name")),
    ("Courriel du tuteur", lambda c: c.get("tutor_email")),
    ("Professeur référent", lambda c: c.get("referent_teacher_name")),
    ("Représentant légal", lambda c: c.get("legal_representative_name")),
    ("PDF signé disponible", lambda c: "oui" if c.get("pdf_ready") else "non"),
    ("Créée le", lambda c: _day(c["created_at"])),
)


def headers_of(columns: Sequence[tuple[str, Any]]) -> list[str]:
    """The columns' French titles: the first line of the file."""
    return [title for title, _ in columns]


def application_cells(application: Mapping[str, Any]) -> list[Cell]:
    """One application (``ApplicationOut``) as a line of the export."""
    return [value(application) for _, value in APPLICATION_COLUMNS]


def convention_cells(convention: Mapping[str, Any]) -> list[Cell]:
    """One convention (``ConventionOut``) as a line of the export."""
    return [value(convention) for _, value in CONVENTION_COLUMNS]


def require_exporter(role: str) -> None:
    """Hosts' teams and schools' staff export their lists; a pupil has nothing to export."""
    if role not in EXPORTING_ROLES:
        raise forbidden("Les exports sont réservés aux structures d'accueil et aux équipes des établissements.")


def listed(fetch: Callable[[int, int], Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Every item of a paginated list, ``fetch(page, per_page)`` giving its pages.

    The first page is asked now (its refusal is raised to the caller), the next ones while
    the items are consumed. A row that moved to the next page meanwhile (a newer one came
    first) is given once.
    """
    first = fetch(1, EXPORT_PAGE_SIZE)

    def items() -> Iterator[Mapping[str, Any]]:
        seen: set[int] = set()
        page, listing = 1, first
        while True:
            for item in listing["results"]:
                if item["id"] not in seen:
                    seen.add(item["id"])
                    yield item
            if page * listing["per_page"] >= listing["total"] or not listing["results"]:
                return
            page += 1
            listing = fetch(page, EXPORT_PAGE_SIZE)

    return items()


def export_response(
    name: str, fmt: ExportFormat, columns: Sequence[tuple[str, Any]], rows: Iterable[Sequence[Cell]]
) -> Response:
    """The export as a download (``candidatures-2026-12-07.csv``), streamed as it is written."""
    headers = headers_of(columns)
    body = csv_chunks(headers, rows) if fmt == "csv" else xlsx_chunks(name.capitalize(), headers, rows)
    filename = f"{name}-{today_in_paris().isoformat()}.{fmt}"
    return Response(
        body,
        content_type=MEDIA_TYPES[fmt],
        direct_passthrough=True,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data of minors: kept out of shared caches.
            "Cache-Control": "no-store",
        },
    )
