"""The PostGIS baseline of ``bench.search``: the national platform's approach on the same data.

Offers and schools in a throw-away database with ``geography(Point, 4326)`` columns and GiST
indexes; a search is ``ST_DWithin`` + filters, ``ORDER BY ST_Distance`` with LIMIT/OFFSET and
the total by ``count(*) OVER ()`` in the same statement (one round trip and one scan: the
strongest form of that approach; a separate COUNT, as pagination libraries issue, costs
more); the 60 km rule is the schools within 60 km joined to their weeks and grouped.

Geography distances are on the WGS84 spheroid by default; ours are great-circle distances
on the mean-radius sphere. The compared (and timed) queries pass ``use_spheroid => false``
to ``ST_DWithin`` and ``ST_Distance`` so that both sides measure the same distance (PostGIS's
sphere radius, 6371008.77 m, is the same mean radius to 1 mm); the default spheroid form is
timed as well, unchecked, since it can rank offers near 60 km differently.

The session turns JIT compilation and parallel workers off (``throwaway_database``): with
the server's defaults, the costs PostGIS functions declare make the planner compile each
dense search (hundreds of ms) and start a worker for it, which would flatter the ratio.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extensions

from bench.search_data import Dataset, SearchCase

DSN = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PER_PAGE = 20

SCHEMA = """
CREATE TABLE offers (
    offer_id integer PRIMARY KEY,
    geog geography(Point, 4326) NOT NULL,
    grades text[] NOT NULL,
    all_year boolean NOT NULL,
    weeks text[] NOT NULL,
    remaining_seats integer NOT NULL,
    reserved_rep boolean NOT NULL,
    reserved_qpv boolean NOT NULL,
    reserved_school_uai text
);
CREATE TABLE schools (uai text PRIMARY KEY, geog geography(Point, 4326) NOT NULL);
CREATE TABLE school_weeks (uai text NOT NULL REFERENCES schools (uai), week text NOT NULL, PRIMARY KEY (uai, week));
"""
INDEXES = """
CREATE INDEX offers_geog ON offers USING gist (geog);
CREATE INDEX schools_geog ON schools USING gist (geog);
CREATE INDEX school_weeks_week ON school_weeks (week);
ANALYZE;
"""

SEARCH = """
SELECT offer_id, ST_Distance(geog, origin, {sphere}) AS metres, count(*) OVER () AS total
FROM offers, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS origin) AS o
WHERE ST_DWithin(geog, origin, %(metres)s, {sphere})
  AND %(grade)s = ANY (grades)
  AND remaining_seats > 0
  AND (cardinality(%(weeks)s::text[]) = 0 OR (all_year AND %(college_week)s) OR weeks && %(weeks)s::text[])
  AND (NOT reserved_rep OR %(rep)s)
  AND (NOT reserved_qpv OR %(qpv)s)
  AND (reserved_school_uai IS NULL OR reserved_school_uai = %(uai)s)
ORDER BY metres, offer_id
LIMIT %(limit)s OFFSET %(offset)s
"""
COUNT = """
SELECT count(*)
FROM offers, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS origin) AS o
WHERE ST_DWithin(geog, origin, %(metres)s, {sphere})
  AND %(grade)s = ANY (grades)
  AND remaining_seats > 0
  AND (cardinality(%(weeks)s::text[]) = 0 OR (all_year AND %(college_week)s) OR weeks && %(weeks)s::text[])
  AND (NOT reserved_rep OR %(rep)s)
  AND (NOT reserved_qpv OR %(qpv)s)
  AND (reserved_school_uai IS NULL OR reserved_school_uai = %(uai)s)
"""
HIGHLIGHT = """
SELECT w.week, count(*)
FROM schools AS s JOIN school_weeks AS w ON w.uai = s.uai
WHERE ST_DWithin(s.geog, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(metres)s, false)
  AND w.week = ANY (%(weeks)s)
GROUP BY w.week
"""


class Unavailable(Exception):
    """PostgreSQL or PostGIS is not there: the baseline is skipped."""


@contextmanager
def throwaway_database() -> Iterator[psycopg2.extensions.connection]:
    """A new database with PostGIS on 127.0.0.1:5432 (user postgres), dropped at the end.

    The connection is a plain blocking one: eventlet's green wait callback (installed by
    ``eventlet.monkey_patch()``) is removed for the baseline, so that PostGIS is not charged
    for a trip through the hub on every query.
    """
    psycopg2.extensions.set_wait_callback(None)
    name = f"e1s_bench_search_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=5, **DSN)
    except psycopg2.Error as exc:
        raise Unavailable(f"no PostgreSQL on 127.0.0.1:5432 as user postgres ({str(exc).strip()})") from exc
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            connection = psycopg2.connect(dbname=name, **DSN)
            try:
                connection.autocommit = True
                with connection.cursor() as cursor:
                    cursor.execute("CREATE EXTENSION postgis")
                    # PostGIS functions declare high costs, so the planner JIT-compiles a
                    # 60 km search (≈ 0.4 s of compiling) and starts parallel workers: tuned
                    # off, the baseline is PostGIS at its best on this machine.
                    cursor.execute("SET jit = off; SET max_parallel_workers_per_gather = 0")
            except psycopg2.Error as exc:
                connection.close()
                raise Unavailable(
                    f"CREATE EXTENSION postgis failed ({str(exc).strip()}); "
                    "install it with `apt-get install postgresql-15-postgis-3`"
                ) from exc
            try:
                yield connection
            finally:
                connection.close()
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        admin.close()


def backend_cpu_clock(connection: psycopg2.extensions.connection) -> Callable[[], float] | None:
    """A clock of the CPU seconds the connection's server process has run, or None when its
    ``/proc/<pid>/schedstat`` cannot be read (a server on another machine, another user).

    On the shared machine a query's wall-clock time also counts the waits for a core, which
    grow with the other runs' load; the backend's CPU time is what the query itself cost, the
    figure to set beside the in-process search's CPU time. ``schedstat``'s first field is the
    time on a CPU in nanoseconds (``/proc/<pid>/stat``'s ticks, 10 ms, are too coarse here).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")

    def clock() -> float:
        return int(path.read_text().split()[0]) / 1e9

    try:
        clock()
    except (OSError, ValueError, IndexError):
        return None
    return clock


def _array(values: Any) -> str:
    return "{" + ",".join(f'"{value}"' for value in values) + "}"


def _copy(connection: psycopg2.extensions.connection, table: str, columns: str, lines: Iterator[str]) -> None:
    buffer = io.StringIO("".join(lines))
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def load(connection: psycopg2.extensions.connection, data: Dataset) -> None:
    """The same offers, schools and schools' weeks, by COPY; then the indexes and ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA)

    def offers() -> Iterator[str]:
        for s in data.snapshots:
            all_year = s.college_weeks == "all_year"
            weeks = sorted(set(s.college_weeks if isinstance(s.college_weeks, list) else []) | set(s.seconde_weeks))
            fields = [
                str(s.offer_id),
                f"SRID=4326;POINT({s.longitude!r} {s.latitude!r})",
                _array(s.grades),
                "t" if all_year else "f",
                _array(weeks),
                str(s.remaining_seats),
                "t" if s.reserved_rep else "f",
                "t" if s.reserved_qpv else "f",
                s.reserved_school_uai or "\\N",
            ]
            yield "\t".join(fields) + "\n"

    _copy(
        connection,
        "offers",
        "offer_id, geog, grades, all_year, weeks, remaining_seats, reserved_rep, reserved_qpv, reserved_school_uai",
        offers(),
    )
    _copy(
        connection,
        "schools",
        "uai, geog",
        (f"{school.uai}\tSRID=4326;POINT({school.longitude!r} {school.latitude!r})\n" for school in data.schools),
    )
    _copy(
        connection,
        "school_weeks",
        "uai, week",
        (f"{uai}\t{week}\n" for uai, weeks in data.school_weeks.items() for week in weeks),
    )
    with connection.cursor() as cursor:
        cursor.execute(INDEXES)


def search(
    cursor: psycopg2.extensions.cursor, case: SearchCase, college_weeks: frozenset[str], sphere: bool = True
) -> tuple[int, list[tuple[int, float]]]:
    """(total, [(offer_id, distance_km)]) for one pupil's search."""
    flag = "false" if sphere else "true"
    params = {
        "lat": case.latitude,
        "lon": case.longitude,
        "metres": case.radius_km * 1000,
        "grade": case.grade,
        "weeks": list(case.weeks),
        # An offer open all year is open every collège week, not on the seconde period's.
        "college_week": any(week in college_weeks for week in case.weeks),
        "rep": case.school.rep,
        "qpv": case.school.qpv,
        "uai": case.school.uai,
        "limit": PER_PAGE,
        "offset": (case.page - 1) * PER_PAGE,
    }
    cursor.execute(SEARCH.format(sphere=flag), params)
    rows = cursor.fetchall()
    if rows:
        total = rows[0][2]
    else:  # a page past the end: the window count has no row to ride on
        cursor.execute(COUNT.format(sphere=flag), params)
        total = cursor.fetchone()[0]
    return total, [(offer_id, metres / 1000) for offer_id, metres, _ in rows]


def highlighted(
    cursor: psycopg2.extensions.cursor, weeks: list[str], latitude: float, longitude: float
) -> list[tuple[str, int]]:
    """Every collège week with the count of schools within 60 km that chose it."""
    cursor.execute(HIGHLIGHT, {"lat": latitude, "lon": longitude, "metres": 60000.0, "weeks": weeks})
    counts = dict(cursor.fetchall())
    return [(week, counts.get(week, 0)) for week in weeks]
