"""The administrators' figures as the page, the JSON route and the CSV show them."""

import csv
import io

import pytest

from gateway.statistics import csv_bytes, csv_rows, french_number, shape, share

pytestmark = pytest.mark.unit


def department(code, offers, seats, grades, rep=0, qpv=0, schools=0, any_=0):
    return {
        "department": code,
        "offers": offers,
        "seats": seats,
        "by_grade": {grade: {"offers": counts[0], "seats": counts[1]} for grade, counts in grades.items()},
        "reserved_rep": rep,
        "reserved_qpv": qpv,
        "reserved_schools": schools,
        "reserved_any": any_,
    }


OFFERS = {
    "school_year": "2026-2027",
    "departments": [
        department("93", 3, 10, {"troisieme": (2, 6), "quatrieme": (2, 6), "seconde": (1, 4)}, rep=1, any_=1),
        department("69", 12_000, 12_345, {"troisieme": (12_000, 12_345)}, qpv=2, schools=1, any_=3),
    ],
}
CONVENTIONS = {
    "school_year": "2026-2027",
    "applications": {"submitted": 4, "approved": 2, "rejected": 1},
    "conventions": {"draft": 1, "signed_by_all": 1},
}


def section(report, key):
    return next(item for item in report["sections"] if item["key"] == key)


def values(report, key):
    return {row["key"]: row["values"] for row in section(report, key)["rows"]}


def test_offers_by_department_and_by_grade_with_totals():
    report = shape(OFFERS, CONVENTIONS, None)
    assert report["school_year"] == "2026-2027"
    assert report["academy"] is None
    assert (report["offers"], report["seats"]) == (12_003, 12_355)
    rows = section(report, "offers_by_department")["rows"]
    assert [row["key"] for row in rows] == ["69", "93", "total"]  # by code, the total last
    assert rows[0]["label"] == "69 – Rhône"
    assert [item["row_heading"] for item in report["sections"]] == [
        "Département",
        "Classe",
        "Réservation",
        "Statut",
        "Statut",
    ]
    assert rows[-1]["values"] == {"offers": 12_003, "seats": 12_355}
    assert values(report, "offers_by_grade") == {
        "quatrieme": {"offers": 2, "seats": 6},
        "troisieme": {"offers": 12_002, "seats": 12_351},
        "seconde": {"offers": 1, "seats": 4},
    }


def test_reserved_shares_are_percentages_of_the_published_offers():
    reserved = values(shape(OFFERS, CONVENTIONS, "Lyon"), "reserved_offers")
    assert reserved["rep"] == {"offers": 1, "share": share(1, 12_003)}
    assert reserved["qpv"]["offers"] == 2
    assert reserved["schools"]["offers"] == 1
    assert reserved["any"] == {"offers": 4, "share": 0.0}
    assert share(1, 3) == 33.3
    assert share(0, 0) == 0.0


def test_every_status_is_listed_with_a_total():
    report = shape(OFFERS, CONVENTIONS, None)
    applications = values(report, "applications_by_status")
    assert list(applications) == [
        "submitted", "read", "validated", "approved", "rejected", "cancelled", "expired", "total",
    ]  # fmt: skip
    assert applications["read"] == {"count": 0}
    assert applications["total"] == {"count": 7}
    conventions = values(report, "conventions_by_status")
    assert conventions["signed_by_all"] == {"count": 1}
    assert conventions["total"] == {"count": 2}


def test_nothing_published_yet():
    report = shape({"school_year": "2026-2027", "departments": []}, CONVENTIONS, "Corse")
    assert report["offers"] == 0
    assert values(report, "offers_by_department") == {"total": {"offers": 0, "seats": 0}}
    assert values(report, "reserved_offers")["any"] == {"offers": 0, "share": 0.0}


def test_numbers_the_french_way():
    assert french_number(12_345) == "12\u00a0345"
    assert french_number(1_234_567) == "1\u00a0234\u00a0567"
    assert french_number(0) == "0"
    assert french_number(33.3) == "33,3"
    assert french_number(12_345.5) == "12\u00a0345,5"
    assert french_number(50.0) == "50"


def test_csv_one_row_per_figure_with_a_bom_for_excel():
    report = shape(OFFERS, CONVENTIONS, "Lyon")
    text = csv_bytes(report).decode("utf-8")
    assert text.startswith("\ufeffsection;key;value\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["section", "key", "value"]
    assert ["scope", "academy", "Lyon"] in rows
    assert ["scope", "school_year", "2026-2027"] in rows
    assert ["offers_by_department.offers", "69", "12000"] in rows
    assert ["offers_by_department.seats", "total", "12355"] in rows
    assert ["offers_by_grade.seats", "seconde", "4"] in rows
    assert ["reserved_offers.share", "any", "0.0"] in rows
    assert ["applications_by_status", "submitted", "4"] in rows
    assert ["conventions_by_status", "total", "2"] in rows
    figures = sum(len(item["columns"]) * len(item["rows"]) for item in report["sections"])
    assert len(rows) == len(list(csv_rows(report))) == 1 + 2 + figures
