"""The schools importer as an operator runs it, on the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.matching import import_schools as import_schools_module
from services.matching.import_schools import SAMPLE, SAMPLE_QPV
from services.matching.models import School

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def import_schools(*args: str | Path) -> tuple[int, str, str]:
    """Run ``python -m services.matching.import_schools`` with the test's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "services.matching.import_schools", *map(str, args)],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def counts(output: str) -> dict[str, int]:
    """``{"imported": 3957, ...}`` from the importer's count lines."""
    found = re.findall(r"^(imported|updated|unchanged|rejected|ignored)\s+(\d+)", output, re.MULTILINE)
    return {name: int(value) for name, value in found}


def real_files(shared_data: Path) -> list[str | Path]:
    return [
        shared_data / "annuaire-education-extract.csv",
        "--rep",
        shared_data / "liste-rep-rep-plus-rentree-2022.csv",
        "--qpv",
        shared_data / "etablissements-qpv.csv",
        "--qpv",
        shared_data / "lycees-qpv-2024.csv",
    ]


def test_the_real_annuaire_gives_the_readmes_figures_and_a_second_run_changes_nothing(env, databases, shared_data):
    started = time.perf_counter()
    code, output, errors = import_schools(*real_files(shared_data))
    first_run = time.perf_counter() - started
    assert code == 0, errors
    # 1,326 collèges of which 8 carry a UAI that fails its checksum; 2,639 GT lycées of 5,583.
    assert counts(output) == {"imported": 3957, "updated": 0, "unchanged": 0, "rejected": 8, "ignored": 2944}
    rejected = re.findall(r"^rejected line (\d+)  UAI (\S+)  (.+)$", output, re.MULTILINE)
    assert len(rejected) == 8
    assert ("5673", "0932529Y", "UAI invalide (lettre de contrôle incorrecte)") in rejected
    assert first_run < 30, f"import took {first_run:.1f} s"
    print(f"\nfirst import of the real annuaire: {first_run:.1f} s (process included)\n{output}")

    with Session(databases.engine("matching")) as db:

        def count(*conditions) -> int:
            return db.scalar(select(func.count()).select_from(School).where(*conditions)) or 0

        assert count(School.kind == "college") == 1318
        assert count(School.kind == "lycee") == 2639
        # README: 227 collèges of the extract are in a QPV; lycées by the lycées' file.
        assert count(School.kind == "college", School.qpv.is_(True)) == 227
        assert count(School.kind == "lycee", School.qpv.is_(True)) == 1289
        assert (count(School.rep == "REP"), count(School.rep == "REP+")) == (731, 362)
        # The REP list names this collège REP+, the annuaire leaves it empty: the list wins.
        assert db.get(School, "0782976L").rep == "REP+"
        claudel = db.get(School, "0752694W")
        assert (claudel.name, claudel.kind, claudel.city, claudel.zipcode, claudel.rep, claudel.qpv) == (
            "Collège Camille Claudel",
            "college",
            "Paris",
            "75013",
            "REP",
            False,
        )
        before = {uai: updated_at for uai, updated_at in db.execute(select(School.uai, School.updated_at))}

    code, output, errors = import_schools(*real_files(shared_data))
    assert code == 0, errors
    assert counts(output) == {"imported": 0, "updated": 0, "unchanged": 3957, "rejected": 8, "ignored": 2944}
    with Session(databases.engine("matching")) as db:
        assert dict(db.execute(select(School.uai, School.updated_at)).tuples().all()) == before


def test_a_changed_row_is_updated_and_the_others_left_alone(env, databases, tmp_path):
    code, output, _ = import_schools(SAMPLE, "--qpv", SAMPLE_QPV[0], "--qpv", SAMPLE_QPV[1])
    assert code == 0
    assert counts(output) == {"imported": 21, "updated": 0, "unchanged": 0, "rejected": 0, "ignored": 1}

    changed = tmp_path / "annuaire.csv"
    text = SAMPLE.read_text(encoding="utf-8").replace("Collège Camille Claudel", "Collège Camille-Claudel")
    changed.write_text(text, encoding="utf-8")
    code, output, _ = import_schools(changed, "--qpv", SAMPLE_QPV[0], "--qpv", SAMPLE_QPV[1])
    assert counts(output) == {"imported": 0, "updated": 1, "unchanged": 20, "rejected": 0, "ignored": 1}
    # Without the QPV files the QPV schools change back to "not in a QPV".
    code, output, _ = import_schools(changed)
    assert counts(output)["updated"] > 0
    with Session(databases.engine("matching")) as db:
        school = db.get(School, "0752694W")
        assert (school.name, school.search_text) == (
            "Collège Camille-Claudel",
            "college camille claudel paris 75013 0752694w",
        )
        assert db.scalar(select(func.count()).select_from(School).where(School.qpv.is_(True))) == 0


def test_files_that_are_not_what_they_are_given_for_stop_the_import_with_a_message(env, tmp_path):
    code, _, errors = import_schools(SAMPLE, "--qpv", SAMPLE)
    assert code == 2
    assert "fichier QPV non reconnu" in errors
    code, _, errors = import_schools(tmp_path / "absent.csv")
    assert (code, errors.strip()) == (2, f"Fichier introuvable / file not found: {tmp_path / 'absent.csv'}")
    bom_copy = tmp_path / "annuaire-bom.csv"
    shutil.copyfile(SAMPLE, bom_copy)
    bom_copy.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    code, output, _ = import_schools(bom_copy)
    assert (code, counts(output)["imported"]) == (0, 21)


def test_make_run_loads_the_sample_without_the_reference_data(env, databases, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHOOLS_DATA_DIR", str(tmp_path / "absent"))
    line = import_schools_module.load_default()
    assert line.startswith("schools directory from the built-in sample (schools-sample.csv; no ")
    assert "21 imported, 0 updated, 0 unchanged, 0 rejected, 1 ignored" in line
    assert "0 imported, 0 updated, 21 unchanged" in import_schools_module.load_default()


def test_make_run_loads_the_real_annuaire_when_the_reference_data_is_there(env, databases, shared_data, monkeypatch):
    monkeypatch.setenv("SCHOOLS_DATA_DIR", str(shared_data))
    line = import_schools_module.load_default()
    assert line.startswith(f"schools directory from {shared_data / 'annuaire-education-extract.csv'}: ")
    assert "3957 imported, 0 updated, 0 unchanged, 8 rejected, 2944 ignored" in line
    with Session(databases.engine("matching")) as db:
        assert db.scalar(select(func.count()).select_from(School).where(School.qpv.is_(True))) == 227 + 1289
