"""Departments and academies: the reviewed table against the Annuaire de l'éducation, and the
department of a postal code, in Python and in SQL alike."""

import csv

import pytest
from sqlalchemy import column, create_engine, select, table

from services.common.academies import (
    ACADEMIES,
    DEPARTMENT_NAMES,
    academy_of,
    department_label,
    department_of_zipcode,
    departments_of,
    find_academy,
)
from services.common.department_sql import department_of

pytestmark = pytest.mark.unit

ZIPCODES = {
    "69003": "69",
    "01000": "01",
    "75015": "75",
    "20000": "2A",  # Ajaccio
    "20137": "2A",  # Porto-Vecchio
    "20200": "2B",  # Bastia
    "20600": "2B",
    "97411": "974",
    "97133": "971",  # Saint-Barthélemy, counted with Guadeloupe
    "97600": "976",
    "97500": "975",
    "98000": "980",  # Monaco: no academy
}


def test_thirty_academies_cover_every_department_once():
    assert len(ACADEMIES) == 30
    departments = [department for _, (_, listed) in ACADEMIES.items() for department in listed]
    # The 101 departments, and Saint-Pierre-et-Miquelon (975).
    assert len(departments) == len(set(departments)) == 102
    assert set(departments) == set(DEPARTMENT_NAMES)
    assert departments_of("Corse") == ["2A", "2B"]
    assert departments_of("Lyon") == ["01", "42", "69"]
    assert academy_of("93") == "Créteil"
    assert academy_of("976") == "Mayotte"
    assert academy_of("14") == academy_of("76") == "Normandie"
    assert academy_of("980") is None


def test_academies_are_found_whatever_the_case_and_accents():
    assert find_academy("lyon") == "Lyon"
    assert find_academy("CRETEIL") == "Créteil"
    assert find_academy("Orléans Tours") == "Orléans-Tours"
    assert find_academy("Réunion") == "La Réunion"
    assert find_academy("Caen") is None


def test_each_department_has_the_academy_of_the_annuaire(shared_data):
    """The annuaire gives each school's department and academy code: every department of it
    has, in the table, the academy of that code (Saint-Pierre-et-Miquelon and Saint-Martin
    apart: see the module's docstring)."""
    codes = {academy: code for academy, (code, _) in ACADEMIES.items()}
    seen: dict[str, set[str]] = {}
    with (shared_data / "annuaire-education-extract.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter=";"):
            raw = row["Code_departement"]
            if raw:
                department = raw[1:] if raw.startswith("0") else raw
                seen.setdefault(department, set()).add(row["Code_academie"])
    assert len(seen) >= 100
    wrong = {
        department: (academy_of(department), annuaire)
        for department, annuaire in seen.items()
        if department not in ("975", "978") and {codes.get(academy_of(department) or "")} != annuaire
    }
    assert wrong == {}


@pytest.mark.parametrize(("zipcode", "department"), sorted(ZIPCODES.items()))
def test_department_of_a_zipcode(zipcode, department):
    assert department_of_zipcode(zipcode) == department


def test_the_sql_expression_agrees_with_python():
    engine = create_engine("sqlite://")
    places = table("places", column("zipcode"))
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE places (zipcode VARCHAR(5))")
        connection.execute(places.insert(), [{"zipcode": zipcode} for zipcode in ZIPCODES])
        got = dict(connection.execute(select(places.c.zipcode, department_of(places.c.zipcode))).all())
    engine.dispose()
    assert got == ZIPCODES


def test_department_labels():
    assert department_label("69") == "69 – Rhône"
    assert department_label("2A") == "2A – Corse-du-Sud"
    assert department_label("980") == "980"
