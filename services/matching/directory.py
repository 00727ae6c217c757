"""The schools directory from the ministry's files: parsing and combining rules (no storage).

Sources (``../shared/data/README.md``):

- the *Annuaire de l'éducation* export: ``;``-separated, UTF-8, official column names; one
  row per establishment. Every collège is kept, and every lycée that teaches the 2de GT
  (``Voie_generale`` or ``Voie_technologique`` is ``1``); other lycées are counted as ignored.
- the REP / REP+ list (``NUMERO`` = UAI, ``EP``): it wins over the annuaire's
  ``Appartenance_Education_Prioritaire`` when both name a status and they differ.
- the QPV files: the collèges' (``etablissements-qpv.csv``: in a QPV when any row of the UAI
  says ``dans un QPV``) and the lycées' (``lycees-qpv-2024.csv``: ``Dans QP``), told apart by
  their columns.

A row that cannot make a school (bad UAI, missing or invalid coordinates, unknown type...) is
returned as a ``Rejection`` with its line number and reason: real files hold such errors, and
the importer reports them instead of stopping.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from services.common.identifiers import is_valid_uai, normalize_uai
from services.common.text import fold

Kind = Literal["college", "lycee"]
QpvSource = Literal["college", "lycee"]

# Annuaire columns: official names of the ministry's export.
UAI = "Identifiant_de_l_etablissement"
NAME = "Nom_etablissement"
TYPE = "Type_etablissement"
ZIPCODE = "Code_postal"
CITY = "Nom_commune"
GENERAL = "Voie_generale"
TECHNOLOGICAL = "Voie_technologique"
PRIORITY = "Appartenance_Education_Prioritaire"
LATITUDE = "latitude"
LONGITUDE = "longitude"
REQUIRED_COLUMNS = (UAI, NAME, TYPE, ZIPCODE, CITY, LATITUDE, LONGITUDE)

_UAI_SHAPE = re.compile(r"^\d{7}[A-Z]$")


class DirectoryFileError(ValueError):
    """A file that cannot be read as the source it is given for (wrong columns, say)."""


@dataclass(frozen=True)
class SchoolRecord:
    """One school as the directory stores it."""

    uai: str
    name: str
    kind: Kind
    city: str
    zipcode: str
    latitude: float
    longitude: float
    rep: str | None
    qpv: bool

    @property
    def search_text(self) -> str:
        """What a search by name, city, zipcode or UAI matches, folded (see ``fold``)."""
        return fold(f"{self.name} {self.city} {self.zipcode} {self.uai}")


@dataclass(frozen=True)
class Rejection:
    """A row of the annuaire that makes no school, and why (in French, for the operator)."""

    line: int
    uai: str
    reason: str


@dataclass
class Directory:
    """What an annuaire file gives once combined with the REP and QPV sources."""

    schools: list[SchoolRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    # Lycées without a general or technological track: no 2de GT pupils on this platform.
    ignored: int = 0


def decode(data: bytes) -> str:
    """The text of a source file: UTF-8 (with or without BOM), else Windows-1252 / Latin-1.

    The REP list has been published in either encoding over the years; a file mixing both
    is decoded line by line rather than refused.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = []
    for raw in data.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                lines.append(raw.decode("cp1252"))
            except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81...): Latin-1 takes all
                lines.append(raw.decode("latin-1"))
    return "".join(lines)


def _rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and the rows (with the line each ends on) of a ``;``-separated file."""
    reader = csv.reader(io.StringIO(decode(path.read_bytes()), newline=""), delimiter=";")
    header = [name.strip() for name in next(reader, [])]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            padded = values + [""] * (len(header) - len(values))
            yield reader.line_num, {name: padded[i].strip() for i, name in enumerate(header)}

    return header, rows()


def _column(header: list[str], *candidates: str, prefix: bool = False) -> str | None:
    """The header's column whose folded name is one of ``candidates`` (or starts with one)."""
    for name in header:
        folded = fold(name)
        if any(folded == candidate or (prefix and folded.startswith(candidate)) for candidate in candidates):
            return name
    return None


def priority_status(value: str | None) -> str | None:
    """``REP``, ``REP+`` or None, whatever the spelling (``rep +``, ``Rep+``, ``Hors EP``)."""
    compact = re.sub(r"\s", "", value or "").upper()
    return compact if compact in ("REP", "REP+") else None


def read_rep_list(path: Path) -> dict[str, str]:
    """UAI → ``REP`` / ``REP+`` from the official list (``NUMERO``, ``EP``).

    A UAI listed twice with different statuses takes the stronger one (``REP+``).
    """
    header, rows = _rows(path)
    uai_column, status_column = _column(header, "numero"), _column(header, "ep")
    if uai_column is None or status_column is None:
        raise DirectoryFileError(f"{path.name} : colonnes NUMERO et EP attendues (liste REP / REP+).")
    statuses: dict[str, str] = {}
    for _, row in rows:
        status = priority_status(row[status_column])
        if status is None:
            continue
        uai = normalize_uai(row[uai_column])
        if statuses.get(uai) != "REP+":
            statuses[uai] = status
    return statuses


def read_qpv_file(path: Path) -> tuple[QpvSource, set[str]]:
    """Which QPV file this is (the collèges' or the lycées'), and the UAIs it puts in a QPV.

    The collèges' file (DEPP, ``etablissements-qpv.csv``) has a column ``Situation relative à
    un QPV…``; the lycées' (``lycees-qpv-2024.csv``) a column ``En QPV 2024 DEPP oui/non``.
    """
    header, rows = _rows(path)
    situation = _column(header, "situation relative a un qpv", prefix=True)
    flag = _column(header, "en qpv", prefix=True)
    uai_column = _column(header, "numero etablissement", "numero d etablissement")
    if uai_column is None or (situation is None) == (flag is None):
        raise DirectoryFileError(
            f"{path.name} : fichier QPV non reconnu (colonnes attendues : « Numéro établissement » et "
            "« Situation relative à un QPV… » pour les collèges, ou « Numéro d'établissement » et "
            "« En QPV 2024 DEPP oui/non » pour les lycées)."
        )
    if situation is not None:
        return "college", {normalize_uai(row[uai_column]) for _, row in rows if fold(row[situation]) == "dans un qpv"}
    assert flag is not None
    return "lycee", {normalize_uai(row[uai_column]) for _, row in rows if fold(row[flag]) == "dans qp"}


def _kind(value: str) -> Kind | None:
    folded = fold(value)
    if folded == "college":
        return "college"
    if folded == "lycee":
        return "lycee"
    return None


def _coordinate(value: str, limit: float) -> float | None:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def _uai_problem(uai: str) -> str | None:
    if not uai:
        return "UAI manquant"
    if not _UAI_SHAPE.match(uai):
        return "UAI mal formé (7 chiffres et une lettre attendus)"
    if not is_valid_uai(uai):
        return "UAI invalide (lettre de contrôle incorrecte)"
    return None


def _coordinates_problem(row: dict[str, str]) -> tuple[str | None, float, float]:
    raw_latitude, raw_longitude = row.get(LATITUDE, ""), row.get(LONGITUDE, "")
    if not raw_latitude or not raw_longitude:
        return "coordonnées manquantes", 0.0, 0.0
    latitude, longitude = _coordinate(raw_latitude, 90), _coordinate(raw_longitude, 180)
    # (0, 0) is in the Gulf of Guinea: a placeholder for unknown coordinates, not a school.
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return f"coordonnées invalides ({raw_latitude} ; {raw_longitude})", 0.0, 0.0
    return None, latitude, longitude


def _zipcode(value: str) -> str:
    # A spreadsheet round trip drops the leading zero of Ain's or Aisne's codes (1000 → 01000).
    return value.zfill(5) if value.isdigit() and len(value) == 4 else value


def read_annuaire(
    path: Path,
    rep_list: dict[str, str] | None = None,
    qpv_colleges: set[str] | None = None,
    qpv_lycees: set[str] | None = None,
) -> Directory:
    """The schools of an annuaire file, with their REP and QPV statuses, and the rejected rows."""
    header, rows = _rows(path)
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise DirectoryFileError(
            f"{path.name} : colonnes de l'Annuaire de l'éducation manquantes : {', '.join(missing)}."
        )
    rep_list = rep_list or {}
    qpv = {"college": qpv_colleges or set(), "lycee": qpv_lycees or set()}
    directory = Directory()
    first_line: dict[str, int] = {}
    for line, row in rows:
        raw_uai = row[UAI]
        uai = normalize_uai(raw_uai)

        def reject(reason: str, line: int = line, raw_uai: str = raw_uai) -> None:
            directory.rejected.append(Rejection(line, raw_uai, reason))

        kind = _kind(row[TYPE])
        if kind is None:
            reject(f"type d'établissement inconnu : « {row[TYPE]} » (Collège ou Lycée attendu)")
            continue
        if kind == "lycee" and "1" not in (row.get(GENERAL, ""), row.get(TECHNOLOGICAL, "")):
            directory.ignored += 1
            continue
        problem = _uai_problem(uai)
        if problem:
            reject(problem)
            continue
        problem, latitude, longitude = _coordinates_problem(row)
        if problem:
            reject(problem)
            continue
        name = " ".join(row[NAME].split())
        if not name:
            reject("nom de l'établissement manquant")
            continue
        if uai in first_line:
            reject(f"UAI en double (déjà ligne {first_line[uai]})")
            continue
        first_line[uai] = line
        directory.schools.append(
            SchoolRecord(
                uai=uai,
                name=name,
                kind=kind,
                city=" ".join(row[CITY].split()),
                zipcode=_zipcode(row[ZIPCODE]),
                latitude=latitude,
                longitude=longitude,
                rep=rep_list.get(uai) or priority_status(row.get(PRIORITY)),
                qpv=uai in qpv[kind],
            )
        )
    return directory
