"""Exports of applications and conventions on their own (gateway/exports.py): a row's French
cells, the CSV and Excel files they make, the list read page by page; and the host's bulk
refusal notice (gateway/application_pages.py). No broker, no database."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from gateway import exports
from gateway.application_pages import ListedApplications, bulk_reject_message
from gateway.error_statuses import status_of
from services.common.errors import DomainError

pytestmark = pytest.mark.unit

APPLICATION = {
    "id": 12,
    "offer_id": 7,
    "offer_title": "Découverte du fournil",
    "employer_name": "Au bon pain",
    "city": "Paris",
    "team_id": 3,
    "space_id": None,
    "student_id": 40,
    "student_name": "Zoé Brûlé",
    "school_uai": "0752694W",
    "grade": "troisieme",
    "weeks": ["2027-W03", "2027-W04"],
    "motivation": '=HYPERLINK("http://evil")',
    "phone": "+33612345678",
    "status": "rejected",
    "reason": "Complet ; désolé.",
    "convention_id": None,
    "history": [],
    # 23:30 UTC on 31 December is already 1 January in Paris
    "created_at": "2026-12-31T23:30:00+00:00",
    "updated_at": "2027-01-02T10:00:00+00:00",
    "expires_at": None,
}

CONVENTION = {
    "id": 5,
    "application_id": 12,
    "offer_id": 7,
    "status": "signatures_started",
    "school_uai": "0752694W",
    "school_name": "Collège Paul Claudel",
    "student_name": "Zoé Brûlé",
    "grade": "troisieme",
    "student_class": None,
    "offer_title": "Découverte du fournil",
    "employer_name": "Au bon pain",
    "employer_siret": "12345678901234",
    "place": "1 rue de la Paix, 75002 Paris",
    "start_date": "2027-01-18",
    "end_date": "2027-01-22",
    "tutor_name": "Camille Bernard",
    "tutor_email": "camille@example.fr",
    "referent_teacher_name": "Paul Girard",
    "legal_representative_name": "Sophie Martin",
    "awaiting_signatures": ["student", "legal_representative"],
    "pdf_ready": False,
    "created_at": "2027-01-05T08:00:00+00:00",
}


def by_header(columns, cells):
    return dict(zip(exports.headers_of(columns), cells, strict=True))


def test_an_application_row_reads_in_french():
    row = by_header(exports.APPLICATION_COLUMNS, exports.application_cells(APPLICATION))
    assert row["N° de candidature"] == 12
    assert row["Élève"] == "Zoé Brûlé"
    assert row["Classe"] == "3e"
    assert row["Téléphone de l'élève"] == "06 12 34 56 78"
    assert row["Semaines demandées"] == "du 18 au 29 janvier 2027"
    assert row["Statut"] == "refusée"
    assert row["Motif"] == "Complet ; désolé."
    assert row["Reçue le"] == date(2027, 1, 1)  # the day in Paris
    assert row["Expire le"] is None and row["N° de convention"] is None


def test_a_convention_row_reads_in_french():
    row = by_header(exports.CONVENTION_COLUMNS, exports.convention_cells(CONVENTION))
    assert row["Classe"] == "3e"  # the school's class when it gave one, else the grade
    assert (
        by_header(exports.CONVENTION_COLUMNS, exports.convention_cells({**CONVENTION, "student_class": "3e B"}))[
            "Classe"
        ]
        == "3e B"
    )
    assert (row["Début"], row["Fin"]) == (date(2027, 1, 18), date(2027, 1, 22))
    assert row["État"] == "signatures en cours"
    assert row["Reste à signer"] == "l'élève, le représentant légal"
    assert row["PDF signé disponible"] == "non"


def test_the_csv_opens_in_a_french_spreadsheet_and_runs_no_formula():
    data = b"".join(
        exports.csv_chunks(exports.headers_of(exports.APPLICATION_COLUMNS), [exports.application_cells(APPLICATION)])
    )
    assert data.startswith("\ufeff".encode())
    header, line = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert header[0] == "N° de candidature" and len(header) == len(line)
    row = dict(zip(header, line, strict=True))
    assert row["Reçue le"] == "01/01/2027"
    assert row["Motif"] == "Complet ; désolé."  # the separator inside a field is quoted
    assert row["Lettre de motivation"] == '\'=HYPERLINK("http://evil")'
    assert row["Expire le"] == ""


def test_the_excel_file_has_typed_cells_and_a_formula_stays_text():
    data = b"".join(
        exports.xlsx_chunks(
            "Candidatures",
            exports.headers_of(exports.APPLICATION_COLUMNS),
            [exports.application_cells(APPLICATION)] * 2,
        )
    )
    sheet = load_workbook(io.BytesIO(data))["Candidatures"]
    header, *lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(lines) == 2
    row = dict(zip(header, lines[0], strict=True))
    assert row["N° de candidature"] == 12
    assert row["Reçue le"] == datetime(2027, 1, 1)
    assert row["Lettre de motivation"] == '=HYPERLINK("http://evil")'
    assert sheet.cell(row=2, column=header.index("Lettre de motivation") + 1).data_type == "s"


def test_a_list_is_read_page_by_page_and_its_refusal_comes_first():
    calls = []

    def fetch(page, per_page):
        calls.append(page)
        ids = {1: [1, 2], 2: [2, 3], 3: [4]}[page]  # row 2 moved to page 2 meanwhile
        return {"results": [{"id": i} for i in ids], "total": 5, "page": page, "per_page": 2}

    items = exports.listed(fetch)
    assert calls == [1]  # the first page before anything is sent
    assert [item["id"] for item in items] == [1, 2, 3, 4]
    assert calls == [1, 2, 3]

    def refused(page, per_page):
        raise DomainError("TEACHER_NOT_CONFIRMED", "…")

    with pytest.raises(DomainError):
        exports.listed(refused)


def test_pupils_export_nothing():
    exports.require_exporter("employer")
    exports.require_exporter("teacher")
    with pytest.raises(DomainError) as refused:
        exports.require_exporter("student")
    assert status_of(refused.value) == 403


def test_the_list_page_links_its_exports_with_its_filters():
    listed = ListedApplications.of({"offre": "7", "statut": "read", "page": "2"})
    assert listed.link() == "/mon-espace/candidatures?offre=7&statut=read&page=2"
    assert listed.exports() == {
        "csv": "/api/v1/applications/export.csv?offer_id=7&status=read",
        "xlsx": "/api/v1/applications/export.xlsx?offer_id=7&status=read",
    }
    everything = ListedApplications.of({"statut": "inconnu"})
    assert everything.link() == "/mon-espace/candidatures"
    assert everything.exports()["csv"] == "/api/v1/applications/export.csv"


def test_the_bulk_refusal_notice_says_what_was_done_and_what_was_not():
    assert bulk_reject_message({"rejected": [1, 2], "refused": []}) == (
        "2 candidatures refusées : chaque élève recevra votre motif.",
        "success",
    )
    text, kind = bulk_reject_message(
        {"rejected": [1], "refused": [{"id": 9, "code": "NOT_FOUND", "message": "Candidature introuvable."}]}
    )
    assert kind == "warning"
    assert text == (
        "1 candidature refusée : l'élève recevra votre motif. "
        "1 candidature n'a pas pu être refusée (n° 9 : Candidature introuvable.)"
    )
    many = [{"id": i, "code": "NOT_FOUND", "message": "Candidature introuvable."} for i in range(10)]
    text, kind = bulk_reject_message({"rejected": [], "refused": many})
    assert kind == "error" and text.startswith("10 candidatures n'ont pas pu être refusées") and text.endswith("; …)")
    assert text.count("introuvable") == 3  # a few reasons: the notice travels in a cookie
