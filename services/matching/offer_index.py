"""The pupils' offer search in memory: published offers by place, and the search rules.

Pure module (no nameko, no SQLAlchemy): ``OfferIndex`` holds the offers of the projection
and answers ``search``; ``brute_force`` scans every offer with the same rules (tests and the
bench compare the two).

How it is fast. Offers sit in cells of ``CELL_DEGREES`` (the unit rebuilt after a change),
each cut into tiles of ``TILE_DEGREES``. A cell lays its offers out tile after tile, and
holds one bit per offer (each tile starting on a 64-bit word) for every criterion a search
tests: visibility to each kind of audience, open all year, each grade, each week. A search
combines a few of those bit rows with ``&`` and ``|``, 64 offers a machine word, and counts
each tile's matches with a popcount: a tile wholly inside the radius (its centre's distance
plus its reach, the farthest of its offers from that centre) adds its count to the total
without any distance measured. Only the offers of the tiles the circle crosses are
measured, and for the page only the tiles nearest the origin, until they hold the page
(nearest-first, then every tile that may hold a nearer offer). Distances are compared as
squared chords between unit vectors (no trigonometry per offer).

Why results equal the brute-force scan exactly: the chords and the tiles' bounds are
computed with numpy and decide nothing within ``_EPS_KM`` of a boundary. Offers that close
to the radius are measured again with ``geography.distance_km`` (what ``brute_force``
uses), and so is every offer of the requested page and its near-ties: answered distances
are ``distance_km``'s, ordered by (distance, offer_id).

Rules (the national platform's, DESIGN.md):

- only offers with seats left (the index holds published offers only: the projection
  removes the others);
- great-circle distance to the offer's place ≤ ``radius_km``;
- the grade, when given, is one of the offer's grades;
- weeks, when given: the offer has one of them, or it is open all year and one of them is
  a collège week (an all-year offer is open every collège week; seconde weeks match only
  seconde weeks);
- keyword: every folded word (lower case, no accents) is in the offer's title, description
  or employer name;
- visibility: an offer reserved to REP/REP+ collèges is shown only to their pupils, to
  lycées in a QPV only to theirs, to some schools only to the pupils of one of them; an
  anonymous audience sees no reserved offer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np

from services.common.contracts.offers import OfferSnapshot
from services.common.geography import EARTH_RADIUS_KM, bounding_box, distance_km
from services.common.reservations import Audience, admits
from services.common.school_calendar import SchoolYear, Week
from services.common.text import fold

CELL_DEGREES = 0.25
MAX_RADIUS_KM = 60.0
# Far above numpy's error on a distance (≈ 1e-11 km) and far below any distance that matters.
_EPS_KM = 1e-6
# The box of cells is taken this much wider than the radius: a point exactly on the radius
# is never lost to rounding in the box.
_BOX_MARGIN_KM = 0.001

_ALL_YEAR = 1
_RESERVED_REP = 2
_RESERVED_QPV = 4
_RESERVED_SCHOOL = 8
_WORDS_PER_CELL = 32

Columns = dict[str, np.ndarray]


@lru_cache(maxsize=4096)
def is_college_week(text: str) -> bool:
    """Whether ``2026-W03`` is a collège week of the school year it falls in (not June's
    seconde period nor the summer); a malformed week is neither."""
    try:
        week = Week.parse(text)
    except ValueError:
        return False
    return SchoolYear.current(week.monday).is_college_week(week)


@dataclass(frozen=True)
class IndexedOffer:
    """A published offer as the search sees it."""

    offer_id: int
    version: int
    latitude: float
    longitude: float
    grades: frozenset[str]
    # Collège weeks "all_year": open every collège week (``weeks`` then holds seconde weeks only).
    all_year: bool
    # The collège weeks when not all year, plus the seconde weeks, as "YYYY-Www".
    weeks: frozenset[str]
    title: str
    employer_name: str
    city: str
    zipcode: str
    sector: str
    remaining_seats: int
    reserved_rep: bool
    reserved_qpv: bool
    # The schools the offer is reserved to, in the host's order (empty: no such reservation).
    reserved_school_uais: tuple[str, ...]
    # Title, description and employer name, folded (``directory.fold``).
    search_text: str

    @classmethod
    def from_snapshot(cls, snapshot: OfferSnapshot) -> IndexedOffer:
        college = snapshot.college_weeks
        weeks = set(snapshot.seconde_weeks)
        if isinstance(college, list):
            weeks.update(college)
        return cls(
            offer_id=snapshot.offer_id,
            version=snapshot.version,
            latitude=snapshot.latitude,
            longitude=snapshot.longitude,
            grades=frozenset(snapshot.grades),
            all_year=college == "all_year",
            weeks=frozenset(weeks),
            title=snapshot.title,
            employer_name=snapshot.employer_name,
            city=snapshot.city,
            zipcode=snapshot.zipcode,
            sector=snapshot.sector,
            remaining_seats=snapshot.remaining_seats,
            reserved_rep=snapshot.reserved_rep,
            reserved_qpv=snapshot.reserved_qpv,
            reserved_school_uais=tuple(snapshot.reserved_school_uais),
            search_text=fold(f"{snapshot.title} {snapshot.description} {snapshot.employer_name}"),
        )


@dataclass(frozen=True)
class SearchQuery:
    latitude: float
    longitude: float
    radius_km: float = MAX_RADIUS_KM
    grade: str | None = None
    weeks: frozenset[str] = frozenset()
    keyword: str | None = None
    page: int = 1
    per_page: int = 20
    sector: str | None = None


@dataclass(frozen=True)
class SearchPage:
    total: int
    # (distance_km, offer), nearest first, ties by offer_id
    results: list[tuple[float, IndexedOffer]]


# -- the rules, one offer at a time (brute force, and the Python steps of the search) ---------


def visible_to(offer: IndexedOffer, audience: Audience) -> bool:
    """Whether the audience may see the offer (reservations)."""
    return admits(audience, offer.reserved_rep, offer.reserved_qpv, offer.reserved_school_uais)


def open_on(offer: IndexedOffer, weeks: frozenset[str]) -> bool:
    """Whether the offer is open on one of ``weeks`` (any week when none is asked)."""
    if not weeks:
        return True
    if offer.all_year and any(is_college_week(week) for week in weeks):
        return True
    return not offer.weeks.isdisjoint(weeks)


def sector_number(code: str | None) -> int:
    """``"s31"`` → 31; 0 for anything else (no sector matches it)."""
    if code and code[0] == "s" and code[1:].isdigit():
        return int(code[1:])
    return 0


def keyword_words(keyword: str | None) -> list[str]:
    return fold(keyword or "").split()


def matches_words(offer: IndexedOffer, words: Iterable[str]) -> bool:
    return all(word in offer.search_text for word in words)


def _page(query: SearchQuery) -> tuple[int, int]:
    per_page = max(1, query.per_page)
    return (max(1, query.page) - 1) * per_page, per_page


# -- the index ---------------------------------------------------------------------------------

TILES_PER_CELL = 16
TILE_DEGREES = CELL_DEGREES / TILES_PER_CELL

# The rows of a cell's bits: offers visible to the audience (rep, qpv) at 2 * rep + qpv
# (offers reserved to some schools are in none: a search adds its school's back), open all
# year, then one row per grade, then one per week (the index's numbering).
_VISIBLE_ROWS = 4
_ALL_YEAR_ROW = 4
_FIRST_GRADE_ROW = 5
# A tile's reach is measured with numpy: this much more covers its rounding many times over.
_REACH_SLACK_KM = 1e-7
# Bins of the nearest-first walk, over the radius: the first bins that hold the page are measured.
_WALK_BINS = 64


def _cell_of(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)


def _unit_vector(latitude: float, longitude: float) -> np.ndarray:
    phi, lam = math.radians(latitude), math.radians(longitude)
    return np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])


def _chord_km(chords: np.ndarray) -> np.ndarray:
    """Great-circle distances (km) of chords between unit vectors."""
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, chords / 2))


def _key_km(key: float) -> float:
    """The distance (km) of a squared chord."""
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(max(0.0, key)) / 2))


def _km_key(km: float) -> float:
    """The squared chord of a distance (km): keys compare as distances do; -1 below zero."""
    if km < 0:
        return -1.0
    return (2 * math.sin(min(km, math.pi * EARTH_RADIUS_KM) / (2 * EARTH_RADIUS_KM))) ** 2


def _ranges(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``first[i], first[i] + 1, …, first[i] + count[i] - 1`` for every i, in one array."""
    ends = np.cumsum(count)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(first - (ends - count), count)


@dataclass(frozen=True)
class _Tiles:
    """A cell's offers laid out for the search: tile after tile, each tile's bits starting a word."""

    offers: list[IndexedOffer]  # in tile order, as every array below
    ids: np.ndarray  # int64
    xyz: np.ndarray  # (n, 3) unit vectors of the offers' places
    bit: np.ndarray  # uint64: each offer's bit in a row of ``bits``
    sectors: np.ndarray  # int64: ``OfferIndex._sector_ids``
    first: np.ndarray  # each tile's first offer
    count: np.ndarray  # each tile's offers
    first_word: np.ndarray  # each tile's first word
    centre: np.ndarray  # (tiles, 3): the unit vector of the tile's mean place
    reach_km: np.ndarray  # how far the tile's farthest offer is from its centre
    bits: np.ndarray  # (rows, words) uint64: the rows named by _VISIBLE_ROWS…
    grades: int  # grade rows (grades the index numbered when the cell was laid out)
    weeks: int  # week rows
    # The offers reserved to each school: (bit, reserved_rep, reserved_qpv).
    schools: dict[str, list[tuple[int, bool, bool]]]
    # The whole cell's centre and reach, to skip a cell the circle misses.
    cell_centre: tuple[float, float, float]
    cell_reach_km: float

    def bits_of(self, mask: np.ndarray) -> np.ndarray:
        """The words of a per-offer boolean ``mask``."""
        plane = np.zeros(self.bits.shape[1] * 64, dtype=bool)
        plane[self.bit] = mask
        return np.packbits(plane, bitorder="little").view("<u8")


@dataclass
class _Cell:
    offers: dict[int, IndexedOffer] = field(default_factory=dict)
    tiles: _Tiles | None = None  # None: to lay out again
    # The bits of the offers whose text holds a word: keywords come back, so each cell
    # keeps the answers of its last ``_WORDS_PER_CELL`` words.
    word_bits: dict[str, np.ndarray] = field(default_factory=dict)

    def changed(self) -> None:
        self.tiles = None
        self.word_bits.clear()

    def words(self, tiles: _Tiles, word: str) -> np.ndarray:
        bits = self.word_bits.get(word)
        if bits is None:
            if len(self.word_bits) >= _WORDS_PER_CELL:
                del self.word_bits[next(iter(self.word_bits))]
            holds = np.fromiter((word in offer.search_text for offer in tiles.offers), dtype=bool, count=len(tiles.ids))
            bits = self.word_bits[word] = tiles.bits_of(holds)
        return bits


@dataclass(frozen=True)
class _Plan:
    """What one search asks of an offer besides its place, as rows of bits (``OfferIndex._plan``)."""

    visible: int  # the row of the audience's kind
    grade: int | None  # the grade's row number (None: any grade)
    weeks: tuple[int, ...] | None  # the weeks' numbers (None: any week)
    all_year_opens: bool  # a collège week is asked: offers open all year match
    school: str | None
    rep: bool
    qpv: bool
    sector: int | None
    words: tuple[str, ...]


@dataclass
class _Found:
    """Matching offers within the radius: squared chords, ids, global tile numbers, and the
    distances measured exactly (near the radius)."""

    keys: np.ndarray
    ids: np.ndarray
    tiles: np.ndarray
    exact: dict[int, float]


# The visibility rows an offer reserved to (REP, QPV) is in (none when reserved to schools).
_VISIBLE_IN = {
    (rep, qpv): tuple(2 * a + b for a in (0, 1) for b in (0, 1) if (a or not rep) and (b or not qpv))
    for rep in (False, True)
    for qpv in (False, True)
}


class OfferIndex:
    """The published offers of the projection, searchable by place."""

    def __init__(self) -> None:
        self._offers: dict[int, IndexedOffer] = {}
        # Offers with seats left, by cell (the others are held for their version only).
        self._cells: dict[tuple[int, int], _Cell] = {}
        self._rows: dict[int, set[int]] = {}  # cell row → cell columns in use
        # Numbers of the grades, weeks and sectors met (never forgotten: a cell's rows use them).
        self._grade_rows: dict[str, int] = {}
        self._week_rows: dict[str, int] = {}
        self._sector_ids: dict[str, int] = {}
        # The placed offers reserved to each school: a pupil of that school sees them too.
        self._reserved_to: dict[str, set[int]] = {}

    def __len__(self) -> int:
        return len(self._offers)

    def __contains__(self, offer_id: object) -> bool:
        return offer_id in self._offers

    def get(self, offer_id: int) -> IndexedOffer | None:
        return self._offers.get(offer_id)

    def offers(self) -> list[IndexedOffer]:
        return list(self._offers.values())

    # -- changes ---------------------------------------------------------------------------

    def upsert(self, offer: IndexedOffer) -> None:
        """Hold ``offer``, unless the index already holds a newer version of it."""
        held = self._offers.get(offer.offer_id)
        if held is not None:
            if held.version > offer.version:
                return
            self._unplace(held)
        self._offers[offer.offer_id] = offer
        if offer.remaining_seats > 0:
            self._place(offer)

    def remove(self, offer_id: int) -> None:
        held = self._offers.pop(offer_id, None)
        if held is not None:
            self._unplace(held)

    def _place(self, offer: IndexedOffer) -> None:
        for grade in offer.grades:
            self._grade_rows.setdefault(grade, len(self._grade_rows))
        for week in offer.weeks:
            self._week_rows.setdefault(week, len(self._week_rows))
        self._sector_ids.setdefault(offer.sector, len(self._sector_ids))
        for uai in offer.reserved_school_uais:
            self._reserved_to.setdefault(uai, set()).add(offer.offer_id)
        key = _cell_of(offer.latitude, offer.longitude)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = _Cell()
            self._rows.setdefault(key[0], set()).add(key[1])
        cell.offers[offer.offer_id] = offer
        cell.changed()

    def _unplace(self, offer: IndexedOffer) -> None:
        key = _cell_of(offer.latitude, offer.longitude)
        cell = self._cells.get(key)
        if cell is None or cell.offers.pop(offer.offer_id, None) is None:
            return
        for uai in offer.reserved_school_uais:
            reserved = self._reserved_to[uai]
            reserved.discard(offer.offer_id)
            if not reserved:
                del self._reserved_to[uai]
        cell.changed()
        if not cell.offers:
            del self._cells[key]
            columns = self._rows[key[0]]
            columns.discard(key[1])
            if not columns:
                del self._rows[key[0]]

    def _tiles(self, cell: _Cell) -> _Tiles:
        if cell.tiles is None:
            cell.tiles = self._lay_out(list(cell.offers.values()))
        return cell.tiles

    def _lay_out(self, offers: list[IndexedOffer]) -> _Tiles:
        """The cell's offers sorted by tile (then id), their unit vectors, the tiles' bounds and the bits."""
        n = len(offers)
        latitude = np.fromiter((offer.latitude for offer in offers), dtype=np.float64, count=n)
        longitude = np.fromiter((offer.longitude for offer in offers), dtype=np.float64, count=n)
        ids = np.fromiter((offer.offer_id for offer in offers), dtype=np.int64, count=n)
        row = np.floor(latitude / TILE_DEGREES).astype(np.int64)
        col = np.floor(longitude / TILE_DEGREES).astype(np.int64)
        order = np.lexsort((ids, col, row))
        latitude, longitude, ids, row, col = (array[order] for array in (latitude, longitude, ids, row, col))
        offers = [offers[i] for i in order.tolist()]

        starts = np.ones(n, dtype=bool)
        starts[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        first = np.flatnonzero(starts)
        count = np.diff(np.append(first, n))
        words = (count + 63) // 64
        first_word = np.cumsum(words) - words
        tile_of = np.repeat(np.arange(len(first)), count)
        bit = (first_word[tile_of] * 64 + np.arange(n) - first[tile_of]).astype(np.uint64)

        phi, lam = np.radians(latitude), np.radians(longitude)
        xyz = np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))
        sums = np.add.reduceat(xyz, first, axis=0)
        centre = sums / np.linalg.norm(sums, axis=1, keepdims=True)
        reach = np.maximum.reduceat(_chord_km(np.linalg.norm(xyz - centre[tile_of], axis=1)), first) + _REACH_SLACK_KM
        whole = xyz.sum(axis=0)
        whole /= np.linalg.norm(whole)
        cell_reach = float(_chord_km(np.linalg.norm(xyz - whole, axis=1)).max()) + _REACH_SLACK_KM

        grades = len(self._grade_rows)
        week_rows = [[self._week_rows[week] for week in offer.weeks] for offer in offers]
        weeks = 1 + max((max(numbers) for numbers in week_rows if numbers), default=-1)
        first_week = _FIRST_GRADE_ROW + grades
        rows: list[int] = []
        lengths: list[int] = []
        schools: dict[str, list[tuple[int, bool, bool]]] = {}
        for position, (offer, numbers) in zip(bit.tolist(), zip(offers, week_rows, strict=True), strict=True):
            before = len(rows)
            if offer.reserved_school_uais:
                for uai in offer.reserved_school_uais:
                    schools.setdefault(uai, []).append((position, offer.reserved_rep, offer.reserved_qpv))
            else:
                rows.extend(_VISIBLE_IN[offer.reserved_rep, offer.reserved_qpv])
            if offer.all_year:
                rows.append(_ALL_YEAR_ROW)
            rows.extend(_FIRST_GRADE_ROW + self._grade_rows[grade] for grade in offer.grades)
            rows.extend(first_week + number for number in numbers)
            lengths.append(len(rows) - before)
        plane = np.zeros((first_week + weeks, int(words.sum()) * 64), dtype=bool)
        plane[np.array(rows, dtype=np.intp), np.repeat(bit.astype(np.intp), lengths)] = True
        sectors = np.fromiter((self._sector_ids[offer.sector] for offer in offers), dtype=np.int64, count=n)
        return _Tiles(
            offers=offers,
            ids=ids,
            xyz=xyz,
            bit=bit,
            sectors=sectors,
            first=first,
            count=count,
            first_word=first_word,
            centre=centre,
            reach_km=reach,
            bits=np.packbits(plane, axis=1, bitorder="little").view("<u8"),
            grades=grades,
            weeks=weeks,
            schools=schools,
            cell_centre=(float(whole[0]), float(whole[1]), float(whole[2])),
            cell_reach_km=cell_reach,
        )

    def prepare(self) -> None:
        """Lay out every changed cell now, rather than in the next search."""
        for cell in self._cells.values():
            self._tiles(cell)

    # -- search ----------------------------------------------------------------------------

    def _candidate_cells(self, query: SearchQuery) -> list[_Cell]:
        box = bounding_box(query.latitude, query.longitude, max(0.0, query.radius_km) + _BOX_MARGIN_KM)
        row_min, row_max = math.floor(box.min_latitude / CELL_DEGREES), math.floor(box.max_latitude / CELL_DEGREES)
        if box.min_longitude is None or box.max_longitude is None:
            col_min, col_max = -(10**9), 10**9
        else:
            col_min = math.floor(box.min_longitude / CELL_DEGREES)
            col_max = math.floor(box.max_longitude / CELL_DEGREES)
        cells = []
        if row_max - row_min + 1 > len(self._rows):
            rows: Iterable[int] = [row for row in self._rows if row_min <= row <= row_max]
        else:
            rows = (row for row in range(row_min, row_max + 1) if row in self._rows)
        for row in rows:
            columns = self._rows[row]
            if col_max - col_min + 1 > len(columns):
                cells.extend(self._cells[(row, col)] for col in columns if col_min <= col <= col_max)
            else:
                cells.extend(self._cells[(row, col)] for col in range(col_min, col_max + 1) if col in columns)
        return cells

    def _plan(self, query: SearchQuery, audience: Audience) -> _Plan | None:
        """The rows a search combines, worked out once; None when nothing can match (an
        unknown grade or sector, or only unknown weeks)."""
        grade = None
        if query.grade is not None:
            grade = self._grade_rows.get(query.grade)
            if grade is None:
                return None
        weeks = None
        all_year_opens = any(is_college_week(week) for week in query.weeks)
        if query.weeks:
            weeks = tuple(self._week_rows[week] for week in query.weeks if week in self._week_rows)
            if not weeks and not all_year_opens:
                return None
        sector = None
        if query.sector is not None:
            sector = self._sector_ids.get(query.sector)
            if sector is None:
                return None
        return _Plan(
            visible=2 * audience.rep + audience.qpv,
            grade=grade,
            weeks=weeks,
            all_year_opens=all_year_opens,
            school=audience.school_uai,
            rep=audience.rep,
            qpv=audience.qpv,
            sector=sector,
            words=tuple(keyword_words(query.keyword)),
        )

    def _matches(self, cell: _Cell, tiles: _Tiles, plan: _Plan) -> np.ndarray | None:
        """The words of the cell's offers that pass grade, weeks, visibility, sector and
        keyword (None: none can)."""
        bits = tiles.bits
        chosen = None
        if plan.weeks is not None:
            first_week = _FIRST_GRADE_ROW + tiles.grades
            rows = [first_week + week for week in plan.weeks if week < tiles.weeks]
            if plan.all_year_opens:
                rows.append(_ALL_YEAR_ROW)
            if not rows:
                return None
            chosen = bits[rows[0]] if len(rows) == 1 else np.bitwise_or.reduce(bits[rows], axis=0)
        if plan.grade is not None:
            if plan.grade >= tiles.grades:
                return None
            chosen = (
                bits[_FIRST_GRADE_ROW + plan.grade] if chosen is None else chosen & bits[_FIRST_GRADE_ROW + plan.grade]
            )
        matches = bits[plan.visible].copy() if chosen is None else chosen & bits[plan.visible]
        for position, rep, qpv in tiles.schools.get(plan.school or "", ()):
            if (rep and not plan.rep) or (qpv and not plan.qpv):
                continue
            word, shift = position >> 6, position & 63
            if chosen is None or (int(chosen[word]) >> shift) & 1:
                matches[word] |= np.uint64(1 << shift)
        if plan.sector is not None:
            matches &= tiles.bits_of(tiles.sectors == plan.sector)
        for word in plan.words:
            matches &= cell.words(tiles, word)
        return matches

    def search(self, query: SearchQuery, audience: Audience) -> SearchPage:
        """The page of offers matching ``query`` that ``audience`` may see, nearest first."""
        plan = self._plan(query, audience)
        if plan is None:
            return SearchPage(0, [])
        origin = _unit_vector(query.latitude, query.longitude)
        radius = query.radius_km
        ox, oy, oz = origin.tolist()
        # Each cell's matches, as words, and how many each tile holds.
        parts: list[tuple[_Tiles, np.ndarray]] = []
        counts_of: list[np.ndarray] = []
        for cell in self._candidate_cells(query):
            tiles = self._tiles(cell)
            cx, cy, cz = tiles.cell_centre
            chord = math.sqrt((cx - ox) ** 2 + (cy - oy) ** 2 + (cz - oz) ** 2)
            if 2 * EARTH_RADIUS_KM * math.asin(min(1.0, chord / 2)) - tiles.cell_reach_km > radius + _EPS_KM:
                continue  # the circle misses the cell
            matches = self._matches(cell, tiles, plan)
            if matches is None:
                continue
            parts.append((tiles, matches))
            counts_of.append(np.add.reduceat(np.bitwise_count(matches), tiles.first_word, dtype=np.int64))
        if not parts:
            return SearchPage(0, [])
        counts = np.concatenate(counts_of)
        starts = np.cumsum([0] + [len(c) for c in counts_of])
        centre = np.concatenate([tiles.centre for tiles, _ in parts])
        reach = np.concatenate([tiles.reach_km for tiles, _ in parts])
        to_centre = centre - origin
        distance = _chord_km(np.sqrt(np.einsum("ij,ij->i", to_centre, to_centre)))

        # A tile wholly inside the radius counts without a distance measured; the offers of
        # the tiles the circle crosses are measured.
        inside = distance + reach <= radius - _EPS_KM
        within = np.where(inside, counts, 0)
        crossed = np.flatnonzero(~inside & (counts > 0) & (distance - reach <= radius + _EPS_KM))
        if len(crossed):
            found = self._found(parts, starts, crossed, origin, query)
            within += np.bincount(found.tiles, minlength=len(counts))
        total = int(within.sum())
        offset, per_page = _page(query)
        if offset >= total:
            return SearchPage(total, [])

        # Nearest tiles first: the first bins of the walk that hold the page, then every tile
        # that may hold an offer nearer than the page's farthest.
        live = np.flatnonzero(within)
        lower = distance[live] - reach[live] - _EPS_KM
        need = offset + per_page
        if total <= need:
            candidates = self._found(parts, starts, live, origin, query)
        else:
            width = max(radius, _EPS_KM) / _WALK_BINS
            bins = (np.maximum(lower, 0.0) / width).astype(np.int64)
            filled = np.cumsum(np.bincount(bins, weights=within[live]))
            limit = (int(np.searchsorted(filled, need)) + 1) * width
            nearest = lower < limit
            candidates = self._found(parts, starts, live[nearest], origin, query)
            farthest = _key_km(float(np.partition(candidates.keys, need - 1)[need - 1]))
            more = live[~nearest & (lower <= farthest + 2 * _EPS_KM)]
            if len(more):
                others = self._found(parts, starts, more, origin, query)
                candidates = _Found(
                    np.concatenate((candidates.keys, others.keys)),
                    np.concatenate((candidates.ids, others.ids)),
                    np.concatenate((candidates.tiles, others.tiles)),
                    {**candidates.exact, **others.exact},
                )
        return SearchPage(total, self._ranked(candidates, query, offset, per_page, total))

    def _found(
        self,
        parts: list[tuple[_Tiles, np.ndarray]],
        starts: np.ndarray,
        tiles: np.ndarray,
        origin: np.ndarray,
        query: SearchQuery,
    ) -> _Found:
        """The matching offers of ``tiles`` (global numbers, ascending) within the radius."""
        keys, ids, tile_numbers = [], [], []
        part_of = np.searchsorted(starts, tiles, side="right") - 1
        cuts = [0, *(np.flatnonzero(np.diff(part_of)) + 1).tolist(), len(tiles)]
        for begin, end in pairwise(cuts):
            group, part = tiles[begin:end], int(part_of[begin])
            layout, matches = parts[part]
            local = group - starts[part]
            count = layout.count[local]
            offers = _ranges(layout.first[local], count)
            bit = layout.bit[offers]
            hit = ((matches[bit >> 6] >> (bit & 63)) & 1).astype(bool)
            offers = offers[hit]
            to_offer = layout.xyz[offers] - origin
            keys.append(np.einsum("ij,ij->i", to_offer, to_offer))
            ids.append(layout.ids[offers])
            tile_numbers.append(np.repeat(group, count)[hit])
        found = _Found(np.concatenate(keys), np.concatenate(ids), np.concatenate(tile_numbers), {})
        radius = query.radius_km
        inside = found.keys <= _km_key(radius + _EPS_KM)
        # Near the radius, decide as brute_force does.
        uncertain = np.flatnonzero(inside & (found.keys > _km_key(radius - _EPS_KM)))
        for position in uncertain.tolist():
            offer = self._offers[int(found.ids[position])]
            d = distance_km(query.latitude, query.longitude, offer.latitude, offer.longitude)
            if d > radius:
                inside[position] = False
            else:
                found.exact[offer.offer_id] = d
        if len(uncertain) or not inside.all():
            found.keys, found.ids, found.tiles = found.keys[inside], found.ids[inside], found.tiles[inside]
        return found

    def _ranked(
        self, candidates: _Found, query: SearchQuery, offset: int, per_page: int, total: int
    ) -> list[tuple[float, IndexedOffer]]:
        """The page among ``candidates``, which hold every offer up to the page's last and its near-ties."""
        keys = candidates.keys
        last = min(total, offset + per_page) - 1
        bounds = np.partition(keys, [offset, last]) if len(keys) > 1 else keys
        low, high = _key_km(float(bounds[offset])), _key_km(float(bounds[last]))
        # Offers nearer than low - eps come before the page in any exact order, those
        # farther than high + eps after it: only the band between is measured exactly.
        low_key, high_key = _km_key(low - _EPS_KM), _km_key(high + _EPS_KM)
        before = int(np.count_nonzero(keys < low_key))
        band = (keys >= low_key) & (keys <= high_key)
        ranked = []
        for offer_id in candidates.ids[band].tolist():
            offer = self._offers[offer_id]
            d = candidates.exact.get(offer_id)
            if d is None:
                d = distance_km(query.latitude, query.longitude, offer.latitude, offer.longitude)
            ranked.append((d, offer_id, offer))
        ranked.sort(key=lambda item: (item[0], item[1]))
        start = offset - before
        return [(d, offer) for d, _, offer in ranked[start : start + per_page]]

    def brute_force(self, query: SearchQuery, audience: Audience) -> SearchPage:
        """The same search as a plain scan of every offer (for tests and the bench)."""
        words = keyword_words(query.keyword)
        found = []
        for offer in self._offers.values():
            if offer.remaining_seats <= 0:
                continue
            if query.grade is not None and query.grade not in offer.grades:
                continue
            if query.sector is not None and offer.sector != query.sector:
                continue
            if not open_on(offer, query.weeks) or not visible_to(offer, audience):
                continue
            d = distance_km(query.latitude, query.longitude, offer.latitude, offer.longitude)
            if d > query.radius_km or not matches_words(offer, words):
                continue
            found.append((d, offer))
        found.sort(key=lambda item: (item[0], item[1].offer_id))
        offset, per_page = _page(query)
        return SearchPage(len(found), found[offset : offset + per_page])
