"""Load the schools directory from the ministry's files.

    python -m services.matching.import_schools ANNUAIRE.csv [--rep FILE] [--qpv FILE [--qpv FILE]]

``--qpv`` takes the collèges' file (``etablissements-qpv.csv``) and/or the lycées' file
(``lycees-qpv-2024.csv``); each is recognised by its columns. Writes the matching database
directly (``DATABASE_URL_MATCHING``, else SQLite under ``STATE_DIR``), after migrating it,
in one transaction: a running matching service serves the new schools as soon as it commits.
Idempotent: a second run with the same files imports and updates nothing. Schools missing
from the file are kept (pupils and staff may be linked to them).

Prints each rejected row (line, UAI, reason), then the counts: imported, updated, unchanged,
rejected, ignored (lycées without a 2de GT). Exit status: 0 done (rejected rows included),
2 a file is missing or is not what it is given for.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.common.config import database_url
from services.common.database import create_service_engine, utcnow
from services.common.migrations import upgrade
from services.matching.directory import (
    Directory,
    DirectoryFileError,
    Rejection,
    SchoolRecord,
    read_annuaire,
    read_qpv_file,
    read_rep_list,
)
from services.matching.models import School

BATCH_SIZE = 1000
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "schools-sample.csv"
SAMPLE_QPV = (FIXTURES / "schools-sample-qpv-colleges.csv", FIXTURES / "schools-sample-qpv-lycees.csv")
# The reference data beside the checkout (../shared/data), unless SCHOOLS_DATA_DIR says otherwise.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
ANNUAIRE_FILE = "annuaire-education-extract.csv"
REP_FILE = "liste-rep-rep-plus-rentree-2022.csv"
QPV_FILES = ("etablissements-qpv.csv", "lycees-qpv-2024.csv")

# The columns the importer compares to tell an unchanged school from an updated one.
_FIELDS = ("name", "kind", "city", "zipcode", "latitude", "longitude", "rep", "qpv", "search_text")


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: ``3957 imported, 0 updated, ...``."""
        return (
            f"{self.imported} imported, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected, {self.ignored} ignored in {self.seconds:.1f} s"
        )

    def lines(self) -> list[str]:
        """Each rejected row, then one count a line (``imported 3957  …``)."""
        out = [f"rejected line {r.line}  UAI {r.uai or '(vide)'}  {r.reason}" for r in self.rejected]
        out += [
            f"imported   {self.imported:>6}  établissements ajoutés",
            f"updated    {self.updated:>6}  établissements modifiés",
            f"unchanged  {self.unchanged:>6}  établissements identiques",
            f"rejected   {len(self.rejected):>6}  lignes rejetées" + (" (détail ci-dessus)" if self.rejected else ""),
            f"ignored    {self.ignored:>6}  lycées sans voie générale ni technologique",
            f"duration   {self.seconds:>6.1f}  s",
        ]
        return out


def read_sources(annuaire: Path, rep: Path | None = None, qpv: Iterable[Path] = ()) -> Directory:
    """The directory from the files, each QPV file recognised by its columns."""
    qpv_sets: dict[str, set[str]] = {"college": set(), "lycee": set()}
    for path in qpv:
        kind, uais = read_qpv_file(path)
        qpv_sets[kind] |= uais
    rep_list = read_rep_list(rep) if rep is not None else {}
    return read_annuaire(annuaire, rep_list, qpv_sets["college"], qpv_sets["lycee"])


def _values(record: SchoolRecord) -> tuple[Any, ...]:
    return (
        record.name,
        record.kind,
        record.city,
        record.zipcode,
        record.latitude,
        record.longitude,
        record.rep,
        record.qpv,
        record.search_text,
    )


def _batches(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH_SIZE):
        yield rows[start : start + BATCH_SIZE]


def upsert(session: Session, records: list[SchoolRecord]) -> tuple[int, int, int]:
    """Insert new schools, update changed ones, in batches; returns (imported, updated, unchanged).

    The stored directory is read once and compared in memory: thousands of rows cost a few
    statements, not one query each.
    """
    columns = [getattr(School, name) for name in _FIELDS]
    stored = {row[0]: tuple(row[1:]) for row in session.execute(select(School.uai, *columns))}
    now = utcnow()
    new, changed = [], []
    for record in records:
        values = _values(record)
        previous = stored.get(record.uai)
        if previous == values:
            continue
        row = {"uai": record.uai, **dict(zip(_FIELDS, values, strict=True)), "updated_at": now}
        (new if previous is None else changed).append(row)
    for batch in _batches(new):
        session.execute(insert(School), batch)
    for batch in _batches(changed):
        # ORM bulk UPDATE by primary key: one executemany per batch.
        session.execute(update(School), batch)
    return len(new), len(changed), len(records) - len(new) - len(changed)


def run(annuaire: Path, rep: Path | None = None, qpv: Iterable[Path] = (), url: str | None = None) -> ImportReport:
    """Read the files and write the directory into the matching database (migrated first)."""
    started = time.perf_counter()
    directory = read_sources(annuaire, rep, qpv)
    url = url or database_url("matching")
    upgrade("matching", url)
    engine = create_service_engine(url)
    try:
        with Session(engine) as session:
            imported, updated, unchanged = upsert(session, directory.schools)
            session.commit()
    finally:
        engine.dispose()
    return ImportReport(
        imported, updated, unchanged, directory.ignored, directory.rejected, time.perf_counter() - started
    )


def data_dir() -> Path:
    """Where the reference data is: ``SCHOOLS_DATA_DIR``, else ``../shared/data``."""
    return Path(os.environ.get("SCHOOLS_DATA_DIR") or DEFAULT_DATA_DIR)


def load_default() -> str:
    """Load the real annuaire (with the REP list and both QPV files) when the reference data
    is there, else the built-in sample of about twenty real schools; returns a summary line.

    Called by the local runner (``make run``) before the services start.
    """
    folder = data_dir()
    annuaire = folder / ANNUAIRE_FILE
    if annuaire.is_file():
        rep = folder / REP_FILE
        qpv = [folder / name for name in QPV_FILES if (folder / name).is_file()]
        report = run(annuaire, rep if rep.is_file() else None, qpv)
        source = str(annuaire)
    else:
        report = run(SAMPLE, None, SAMPLE_QPV)
        source = f"the built-in sample ({SAMPLE.name}; no {annuaire})"
    return f"schools directory from {source}: {report.summary()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Importe l'annuaire des collèges et lycées (2de GT).")
    parser.add_argument("annuaire", type=Path, help="export CSV de l'Annuaire de l'éducation (séparateur ;)")
    parser.add_argument("--rep", type=Path, help="liste des établissements REP / REP+ (NUMERO, EP)")
    parser.add_argument(
        "--qpv",
        type=Path,
        action="append",
        default=[],
        help="fichier QPV des collèges (etablissements-qpv.csv) ou des lycées (lycees-qpv-2024.csv) ; 2 au plus",
    )
    args = parser.parse_args(argv)
    if len(args.qpv) > 2:
        parser.error("--qpv : deux fichiers au plus (collèges et lycées)")
    for path in [args.annuaire, args.rep, *args.qpv]:
        if path is not None and not path.is_file():
            print(f"Fichier introuvable / file not found: {path}", file=sys.stderr)
            return 2
    try:
        report = run(args.annuaire, args.rep, args.qpv)
    except DirectoryFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
