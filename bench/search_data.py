"""The data of ``bench.search``: schools read back from the matching database, generated
offers at real places, schools' chosen weeks, and the random queries (all seeded).

Where offers go: a place of ``geonames-fr-places.csv`` (which gives no population) is
drawn with a weight of 1 + the number of schools of the directory within 20 km of it:
schools follow population, so offers are denser where schools are denser, and every place
keeps a small chance. The offer then sits within 2 km of the place (uniform on the disc).
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.offers import OfferSnapshot
from services.common.school_calendar import SchoolYear, Week
from services.matching.models import School

EARTH_RADIUS_KM = 6371.0088  # the same mean radius as services.common.geography
DENSITY_RADIUS_KM = 20.0
JITTER_KM = 2.0
# Grid cells for neighbour look-ups: 0.2° of latitude is 22 km, 0.3° of longitude at least
# 22 km in metropolitan France (cos 51° × 33 km): a point's schools within 20 km are in its
# cell or the eight around it.
CELL_LAT, CELL_LON = 0.2, 0.3


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, written here again so that the checks do not reuse the code they check."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class SchoolRow:
    uai: str
    kind: str  # "college" | "lycee"
    latitude: float
    longitude: float
    zipcode: str
    rep: bool
    qpv: bool

    @property
    def grades(self) -> tuple[str, ...]:
        return ("quatrieme", "troisieme") if self.kind == "college" else ("seconde",)


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float


def read_schools(session: Session) -> list[SchoolRow]:
    rows = session.execute(
        select(School.uai, School.kind, School.latitude, School.longitude, School.zipcode, School.rep, School.qpv)
    )
    return sorted(
        (
            SchoolRow(uai, kind, lat, lon, zipcode, rep is not None, bool(qpv))
            for uai, kind, lat, lon, zipcode, rep, qpv in rows
        ),
        key=lambda school: school.uai,
    )


def read_places(path: Path) -> list[Place]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Place(row["name"], float(row["lat"]), float(row["lon"])) for row in csv.DictReader(handle)]


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL_LAT), math.floor(longitude / CELL_LON)


class SchoolGrid:
    """Schools by grid cell, for 'within 20 km' and 'nearest' look-ups."""

    def __init__(self, schools: list[SchoolRow]) -> None:
        self.schools = schools
        self.cells: dict[tuple[int, int], list[SchoolRow]] = defaultdict(list)
        for school in schools:
            self.cells[_cell(school.latitude, school.longitude)].append(school)

    def around(self, latitude: float, longitude: float) -> list[SchoolRow]:
        row, col = _cell(latitude, longitude)
        return [school for dr in (-1, 0, 1) for dc in (-1, 0, 1) for school in self.cells.get((row + dr, col + dc), ())]

    def count_within(self, latitude: float, longitude: float, radius_km: float) -> int:
        return sum(
            1
            for s in self.around(latitude, longitude)
            if haversine_km(latitude, longitude, s.latitude, s.longitude) <= radius_km
        )

    def nearest(self, latitude: float, longitude: float, kind: str | None = None) -> SchoolRow:
        candidates = [s for s in self.around(latitude, longitude) if kind is None or s.kind == kind]
        if not candidates:
            candidates = [s for s in self.schools if kind is None or s.kind == kind]
        return min(candidates, key=lambda s: haversine_km(latitude, longitude, s.latitude, s.longitude))


@dataclass
class Dataset:
    """Everything generated for one run."""

    today: date
    year: SchoolYear
    schools: list[SchoolRow]
    snapshots: list[OfferSnapshot]
    school_weeks: dict[str, list[str]]  # uai -> chosen weeks
    places_used: int = 0
    notes: list[str] = field(default_factory=list)


def _jitter(rng: random.Random, latitude: float, longitude: float) -> tuple[float, float]:
    distance = JITTER_KM * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    d_lat = math.degrees(distance * math.cos(bearing) / EARTH_RADIUS_KM)
    d_lon = math.degrees(distance * math.sin(bearing) / (EARTH_RADIUS_KM * math.cos(math.radians(latitude))))
    return round(latitude + d_lat, 6), round(longitude + d_lon, 6)


def _college_offer_weeks(rng: random.Random, upcoming: list[Week]) -> list[str]:
    """1 to 4 weeks: mostly consecutive (one stay), sometimes scattered."""
    count = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
    if rng.random() < 0.7:
        start = rng.randrange(len(upcoming) - count + 1)
        return [str(week) for week in upcoming[start : start + count]]
    return sorted(str(week) for week in rng.sample(upcoming, count))


def generate(
    schools: list[SchoolRow], places: list[Place], sectors: list[tuple[str, str]], offers: int, seed: int, today: date
) -> Dataset:
    """``offers`` published offers (snapshots as the offers service would send them) and the
    chosen weeks of 30% of the collèges."""
    rng = random.Random(seed)
    year = SchoolYear.current(today)
    grid = SchoolGrid(schools)
    weights = [1 + grid.count_within(p.latitude, p.longitude, DENSITY_RADIUS_KM) for p in places]
    chosen_places = rng.choices(places, weights=weights, k=offers)
    upcoming = [week for week in year.college_weeks() if week.friday >= today]
    if len(upcoming) < 4:
        raise SystemExit(f"only {len(upcoming)} collège weeks left in {year.start_year}: run the bench earlier")
    seconde = year.seconde
    zipcode_of: dict[str, str] = {}
    employers = ("Mairie", "Boulangerie", "Cabinet", "Garage", "Pharmacie", "Atelier", "Agence", "Clinique")
    snapshots = []
    for number, place in enumerate(chosen_places, start=1):
        latitude, longitude = _jitter(rng, place.latitude, place.longitude)
        if place.name not in zipcode_of:
            zipcode_of[place.name] = grid.nearest(place.latitude, place.longitude).zipcode
        sector_id, sector_name = rng.choice(sectors)
        reserved_rep = reserved_qpv = False
        reserved_school = None
        draw = rng.random()
        if draw < 0.60:  # collège: 4e and/or 3e, all year or 1 to 4 weeks
            grades = rng.choices((["troisieme"], ["quatrieme", "troisieme"], ["quatrieme"]), weights=(45, 45, 10))[0]
            college_weeks: str | list[str] = "all_year" if rng.random() < 0.30 else _college_offer_weeks(rng, upcoming)
            seconde_weeks: list[str] = []
            kind = "college"
        else:  # seconde: the national period, both weeks or one
            grades = ["seconde"]
            college_weeks = None
            choice = rng.choices(("two_weeks", "week_1", "week_2"), weights=(60, 20, 20))[0]
            seconde_weeks = [str(week) for week in seconde.weeks(choice)]
            kind = "lycee"
        reservation = rng.random()
        if reservation < 0.02 and kind == "college":
            reserved_rep = True
        elif reservation < 0.02:
            reserved_qpv = True
        elif reservation < 0.03:  # the nearest school of the right kind
            reserved_school = grid.nearest(latitude, longitude, kind).uai
        max_candidates = rng.choices((1, 2, 3, 4, 5, 10), weights=(35, 30, 12, 8, 10, 5))[0]
        remaining = 0 if rng.random() < 0.05 else rng.randint(1, max_candidates)
        employer = f"{rng.choice(employers)} {place.name}"
        snapshots.append(
            OfferSnapshot(
                offer_id=number,
                version=1,
                status="published",
                title=f"{sector_name} : découverte des métiers",
                description=f"Observation des métiers ({sector_name.lower()}) auprès de l'équipe de {employer}.",
                employer_name=employer,
                sector=sector_id,
                street=f"{rng.randint(1, 120)} rue de la République",
                zipcode=zipcode_of[place.name],
                city=place.name,
                latitude=latitude,
                longitude=longitude,
                grades=grades,
                college_weeks=college_weeks,
                seconde_weeks=seconde_weeks,
                max_candidates=max_candidates,
                remaining_seats=remaining,
                reserved_rep=reserved_rep,
                reserved_qpv=reserved_qpv,
                reserved_school_uai=reserved_school,
            )
        )
    college_weeks_all = [str(week) for week in year.college_weeks()]
    colleges = [school for school in schools if school.kind == "college"]
    school_weeks = {
        school.uai: sorted(rng.sample(college_weeks_all, rng.randint(2, 6)))
        for school in rng.sample(colleges, round(0.3 * len(colleges)))
    }
    return Dataset(today, year, schools, snapshots, school_weeks, places_used=len(set(chosen_places)))


@dataclass(frozen=True)
class SearchCase:
    """One pupil's search: origin at their school, its grade and weeks, its audience."""

    school: SchoolRow
    latitude: float
    longitude: float
    grade: str
    weeks: tuple[str, ...]
    page: int
    radius_km: float = 60.0


def search_cases(data: Dataset, count: int, seed: int) -> list[SearchCase]:
    """A random school; a grade it teaches; a collège's chosen weeks (none if it chose none),
    for a lycée no week half the time, else one week of the seconde period; page 1 (80%) or 2 to 5."""
    rng = random.Random(seed * 7919 + 1)
    period = [str(week) for week in data.year.seconde.weeks("two_weeks")]
    cases = []
    for _ in range(count):
        school = rng.choice(data.schools)
        if school.kind == "college":
            weeks = tuple(data.school_weeks.get(school.uai, ()))
        else:
            weeks = () if rng.random() < 0.5 else (rng.choice(period),)
        page = 1 if rng.random() < 0.8 else rng.randint(2, 5)
        cases.append(SearchCase(school, school.latitude, school.longitude, rng.choice(school.grades), weeks, page))
    return cases


def highlight_points(data: Dataset, count: int, seed: int) -> list[tuple[float, float]]:
    """Internship places a host picks weeks for: the places of random generated offers."""
    rng = random.Random(seed * 7919 + 2)
    return [(s.latitude, s.longitude) for s in rng.choices(data.snapshots, k=count)]


def expected_highlight(
    data: Dataset, latitude: float, longitude: float, radius_km: float = 60.0
) -> list[tuple[str, int]]:
    """The 60 km rule by a plain scan of every school: (week, schools within radius that chose it)."""
    counts: dict[str, int] = defaultdict(int)
    positions = {school.uai: school for school in data.schools}
    for uai, weeks in data.school_weeks.items():
        school = positions[uai]
        if haversine_km(latitude, longitude, school.latitude, school.longitude) <= radius_km:
            for week in weeks:
                counts[week] += 1
    return [(str(week), counts[str(week)]) for week in data.year.college_weeks()]
