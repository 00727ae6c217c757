"""The pupils' offer search in memory: published offers by place, and the search rules.

Pure module (no nameko, no SQLAlchemy): ``OfferIndex`` holds the offers of the projection
and answers ``search``; ``brute_force`` scans every offer with the same rules (tests and the
bench compare the two).

How it is fast. Offers sit in cells of ``CELL_DEGREES`` (the unit laid out again after a
change), each cut into tiles of ``TILE_DEGREES``. A cell lays its offers out tile after
tile, with one bit per offer (each tile starting on a 64-bit word) for every criterion a
search tests: visibility to each kind of audience, open all year, each grade, each week.
After a change, the cells are put end to end in key order (``_Grid``), so that the cells of
a search's box are one slice per row of cells and a search runs a fixed number of numpy
calls however many cells it covers. A search combines a few bit rows with ``&`` and ``|``,
64 offers a machine word, and counts each tile's matches with a popcount: a tile wholly
inside the radius (its centre's distance plus its reach, the farthest of its offers from
that centre) adds its count to the total without any distance measured. Only the offers of
the tiles the circle crosses are measured, and for the page only the nearest tiles: those
whose count holds the page, then every tile that may hold a nearer offer than the page's
last. Distances are compared as chords between unit vectors, whose straight lines obey the
triangle inequality: no trigonometry per offer nor per tile. Putting the grid together
copies every cell's arrays (tens of milliseconds at 1,000,000 offers), and the changed cells
are laid out again: ``prepare`` does both once per refresh.

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
from typing import Any

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

_WORDS_PER_CELL = 32


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

# The rows of the bits: offers visible to the audience (rep, qpv) at 2 * rep + qpv (offers
# reserved to some schools are in none: a search adds its school's back), open all year,
# then one row per grade or week (``OfferIndex._attribute_rows``).
_ALL_YEAR_ROW = 4
_FIRST_ATTRIBUTE_ROW = 5
# A tile's reach (a chord of the unit sphere) is measured with numpy: this much more covers
# its rounding many times over, and is far below _EPS_KM's chord (1.6e-10).
_REACH_SLACK = 1e-12
# Bins of the nearest-first walk, over the radius: the first bins that hold the page are measured.
_WALK_BINS = 64
# A cell's key: row * _KEY_ROW + column + _KEY_COLUMN (columns run from -720 to 720).
_KEY_ROW = 4096
_KEY_COLUMN = 2048


def _cell_of(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)


def _unit_vectors(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(latitude), np.radians(longitude)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _chords(points: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Chords from ``origin`` to ``points`` (unit vectors): straight-line distances, which obey
    the triangle inequality, so that tiles are bounded without any trigonometry."""
    to_points = points - origin
    return np.sqrt(np.einsum("ij,ij->i", to_points, to_points))


def _km_chord(km: float) -> float:
    """The chord of a distance (km); -1 below zero (no chord is that short)."""
    if km < 0:
        return -1.0
    return 2 * math.sin(min(km, math.pi * EARTH_RADIUS_KM) / (2 * EARTH_RADIUS_KM))


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


def _bits_of(mask: np.ndarray, bit: np.ndarray, words: int) -> np.ndarray:
    """The words of a per-offer boolean ``mask``, each offer at its ``bit``."""
    plane = np.zeros(words * 64, dtype=bool)
    plane[bit] = mask
    return np.packbits(plane, bitorder="little").view("<u8")


@dataclass(frozen=True)
class _Tiles:
    """A cell's offers laid out for the search: tile after tile, each tile's bits starting a word."""

    ids: np.ndarray  # int64, in tile order, as every per-offer array below
    xyz: np.ndarray  # (n, 3) unit vectors of the offers' places
    bit: np.ndarray  # each offer's bit in a row of ``bits``
    sectors: np.ndarray  # int64: ``OfferIndex._sector_ids``
    first: np.ndarray  # each tile's first offer
    count: np.ndarray  # each tile's offers
    words: np.ndarray  # each tile's words
    centre: np.ndarray  # (tiles, 3): the unit vector of the tile's mean place
    reach: np.ndarray  # the chord from the tile's centre to its farthest offer
    bits: np.ndarray  # (rows, words) uint64: the rows named above _ALL_YEAR_ROW
    # The offers reserved to each school: (bit, reserved_rep, reserved_qpv).
    schools: dict[str, list[tuple[int, bool, bool]]]
    # The whole cell's centre and reach, to skip a cell the circle misses.
    cell_centre: np.ndarray
    cell_reach: float


@dataclass
class _Cell:
    offers: dict[int, IndexedOffer] = field(default_factory=dict)
    # What the lay-out reads of each offer, worked out once: latitude, longitude, id, the
    # number of its signature (``OfferIndex._signature``) and of its sector.
    facts: dict[int, tuple[float, float, int, int, int]] = field(default_factory=dict)
    tiles: _Tiles | None = None  # None: to lay out again
    # The bits of the offers whose text holds a word, or (for an int) of a sector: keywords
    # come back, so each cell keeps the answers of its last ``_WORDS_PER_CELL``.
    filter_bits: dict[str | int, np.ndarray] = field(default_factory=dict)

    def changed(self) -> None:
        self.tiles = None
        self.filter_bits.clear()

    def bits_for(self, criterion: str | int) -> np.ndarray:
        """The words of this cell's offers holding the word, or in the sector number, ``criterion``."""
        tiles = self.tiles
        assert tiles is not None
        bits = self.filter_bits.get(criterion)
        if bits is None:
            if len(self.filter_bits) >= _WORDS_PER_CELL:
                del self.filter_bits[next(iter(self.filter_bits))]
            if isinstance(criterion, int):
                holds = tiles.sectors == criterion
            else:
                offers = self.offers
                holds = np.fromiter(
                    (criterion in offers[i].search_text for i in tiles.ids.tolist()), dtype=bool, count=len(tiles.ids)
                )
            bits = self.filter_bits[criterion] = _bits_of(holds, tiles.bit, tiles.bits.shape[1])
        return bits


@dataclass(frozen=True)
class _Grid:
    """Every cell's tiles end to end, cells in key order, for a search in a fixed number of
    numpy calls (``OfferIndex._grid``): a row of cells in a box is a slice."""

    cells: list[_Cell]
    keys: np.ndarray  # each cell's key, ascending
    cell_centre: np.ndarray
    cell_reach: np.ndarray
    cell_tiles: np.ndarray  # each cell's first tile, then the number of tiles
    cell_words: np.ndarray  # each cell's first word, then the number of words
    tile_first: np.ndarray  # each tile's first offer
    tile_count: np.ndarray
    tile_words: np.ndarray
    tile_centre: np.ndarray
    tile_reach: np.ndarray
    ids: np.ndarray
    xyz: np.ndarray
    bits: np.ndarray  # (rows, words)
    # The offers reserved to each school: (word, bit in the word, reserved_rep, reserved_qpv).
    schools: dict[str, list[tuple[int, int, bool, bool]]]


@dataclass(frozen=True)
class _Plan:
    """What one search asks of an offer besides its place, as rows of bits (``OfferIndex._plan``)."""

    visible: int  # the row of the audience's kind
    grade: int | None  # the grade's row (None: any grade)
    weeks: tuple[int, ...] | None  # the weeks' rows, with _ALL_YEAR_ROW when it opens (None: any week)
    school: str | None
    rep: bool
    qpv: bool
    filters: tuple[str | int, ...]  # the sector's number and the keyword's words


@dataclass
class _Found:
    """Matching offers within the radius: squared chords, ids, the offers' tiles (positions in
    the tiles asked), and the distances measured exactly (near the radius)."""

    keys: np.ndarray
    ids: np.ndarray
    tiles: np.ndarray
    exact: dict[int, float]

    def extended(self, other: _Found) -> _Found:
        return _Found(
            np.concatenate((self.keys, other.keys)),
            np.concatenate((self.ids, other.ids)),
            np.concatenate((self.tiles, other.tiles)),
            {**self.exact, **other.exact},
        )


@dataclass
class _Box:
    """The part of the grid one search looks at: its cells' words and tiles, and the matches."""

    words: np.ndarray  # the grid's words, in order
    tiles: np.ndarray  # the grid's tiles, in order
    tile_word: np.ndarray  # each tile's first word, as a position in ``words``
    matches: np.ndarray  # over ``words``


# The visibility rows of an offer reserved to (REP, QPV) (none when reserved to schools).
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
        # Rows of the grades and weeks met, and numbers of the sectors (never forgotten).
        self._attribute_rows: dict[tuple[str, str], int] = {}
        self._sector_ids: dict[str, int] = {}
        # Numbers of the (grades, weeks, all year, REP, QPV, open to every school) met, and
        # the rows each is in (None: a signature or a row came since).
        self._signatures: dict[tuple[Any, ...], int] = {}
        self._signature_rows: np.ndarray | None = None
        # The placed offers reserved to each school: a pupil of that school sees them too.
        self._reserved_to: dict[str, set[int]] = {}
        self._assembled: _Grid | None = None  # None: a cell changed since

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

    def _attribute_row(self, kind: str, value: str) -> int:
        rows = self._attribute_rows
        return rows.setdefault((kind, value), _FIRST_ATTRIBUTE_ROW + len(rows))

    def _signature(self, offer: IndexedOffer) -> int:
        signature = (
            offer.grades,
            offer.weeks,
            offer.all_year,
            offer.reserved_rep,
            offer.reserved_qpv,
            not offer.reserved_school_uais,
        )
        number = self._signatures.get(signature)
        if number is None:
            number = self._signatures[signature] = len(self._signatures)
            for grade in offer.grades:
                self._attribute_row("grade", grade)
            for week in offer.weeks:
                self._attribute_row("week", week)
            self._signature_rows = None
        return number

    def _rows_of_signatures(self) -> np.ndarray:
        """(signatures, rows) booleans: the rows an offer of each signature is in."""
        if self._signature_rows is None:
            rows = self._attribute_rows
            in_rows = np.zeros((len(self._signatures), _FIRST_ATTRIBUTE_ROW + len(rows)), dtype=bool)
            for number, (grades, weeks, all_year, rep, qpv, open_to_all) in enumerate(self._signatures):
                if open_to_all:
                    in_rows[number, list(_VISIBLE_IN[rep, qpv])] = True
                in_rows[number, _ALL_YEAR_ROW] = all_year
                in_rows[number, [rows["grade", grade] for grade in grades]] = True
                in_rows[number, [rows["week", week] for week in weeks]] = True
            self._signature_rows = in_rows
        return self._signature_rows

    def _place(self, offer: IndexedOffer) -> None:
        signature = self._signature(offer)
        sector = self._sector_ids.setdefault(offer.sector, len(self._sector_ids))
        for uai in offer.reserved_school_uais:
            self._reserved_to.setdefault(uai, set()).add(offer.offer_id)
        key = _cell_of(offer.latitude, offer.longitude)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = _Cell()
        cell.offers[offer.offer_id] = offer
        cell.facts[offer.offer_id] = (offer.latitude, offer.longitude, offer.offer_id, signature, sector)
        cell.changed()
        self._assembled = None

    def _unplace(self, offer: IndexedOffer) -> None:
        key = _cell_of(offer.latitude, offer.longitude)
        cell = self._cells.get(key)
        if cell is None or cell.offers.pop(offer.offer_id, None) is None:
            return
        del cell.facts[offer.offer_id]
        for uai in offer.reserved_school_uais:
            reserved = self._reserved_to[uai]
            reserved.discard(offer.offer_id)
            if not reserved:
                del self._reserved_to[uai]
        cell.changed()
        if not cell.offers:
            del self._cells[key]
        self._assembled = None

    def _lay_out(self, cell: _Cell) -> _Tiles:
        """The cell's offers sorted by tile (then id), their unit vectors, the tiles' bounds and the bits."""
        facts = np.array(list(cell.facts.values()), dtype=np.float64).reshape(-1, 5)
        n = len(facts)
        row = np.floor(facts[:, 0] / TILE_DEGREES).astype(np.int64)
        col = np.floor(facts[:, 1] / TILE_DEGREES).astype(np.int64)
        ids = facts[:, 2].astype(np.int64)  # ids below 2**53: exact as floats
        order = np.lexsort((ids, col, row))
        facts, ids, row, col = facts[order], ids[order], row[order], col[order]

        starts = np.ones(n, dtype=bool)
        starts[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        first = np.flatnonzero(starts)
        count = np.diff(np.append(first, n))
        words = (count + 63) // 64
        tile_of = np.repeat(np.arange(len(first)), count)
        bit = (np.cumsum(words) - words)[tile_of] * 64 + np.arange(n) - first[tile_of]

        xyz = _unit_vectors(facts[:, 0], facts[:, 1])
        sums = np.add.reduceat(xyz, first, axis=0)
        centre = sums / np.linalg.norm(sums, axis=1, keepdims=True)
        reach = np.maximum.reduceat(np.linalg.norm(xyz - centre[tile_of], axis=1), first) + _REACH_SLACK
        whole = xyz.sum(axis=0)
        whole /= np.linalg.norm(whole)
        cell_reach = float(_chords(xyz, whole).max()) + _REACH_SLACK

        # Offers of the same signature are in the same rows: set for all offers at once.
        in_rows = self._rows_of_signatures()[facts[:, 3].astype(np.intp)]
        used = in_rows.any(axis=0)
        plane = np.zeros((int(np.flatnonzero(used)[-1]) + 1 if used.any() else 1, int(words.sum()) * 64), dtype=bool)
        plane[:, bit] = in_rows[:, : plane.shape[0]].T
        schools: dict[str, list[tuple[int, bool, bool]]] = {}
        for position in np.flatnonzero(~in_rows[:, :_ALL_YEAR_ROW].any(axis=1)).tolist():
            offer = cell.offers[int(ids[position])]
            for uai in offer.reserved_school_uais:
                schools.setdefault(uai, []).append((int(bit[position]), offer.reserved_rep, offer.reserved_qpv))
        sectors = facts[:, 4].astype(np.int64)
        return _Tiles(
            ids=ids,
            xyz=xyz,
            bit=bit,
            sectors=sectors,
            first=first,
            count=count,
            words=words,
            centre=centre,
            reach=reach,
            bits=np.packbits(plane, axis=1, bitorder="little").view("<u8"),
            schools=schools,
            cell_centre=whole,
            cell_reach=cell_reach,
        )

    def prepare(self) -> None:
        """Lay out every changed cell and put the grid together now, rather than in the next search."""
        self._grid()

    def _grid(self) -> _Grid:
        """Every cell's tiles end to end (laid out again where a cell changed)."""
        if self._assembled is not None:
            return self._assembled
        keys = sorted(self._cells)
        cells = [self._cells[key] for key in keys]
        layouts = []
        for cell in cells:
            if cell.tiles is None:
                cell.tiles = self._lay_out(cell)
            layouts.append(cell.tiles)
        offers = np.cumsum([0] + [len(t.ids) for t in layouts])
        tiles = np.cumsum([0] + [len(t.first) for t in layouts])
        words = np.cumsum([0] + [t.bits.shape[1] for t in layouts])
        bits = np.zeros((_FIRST_ATTRIBUTE_ROW + len(self._attribute_rows), int(words[-1])), dtype=np.uint64)
        schools: dict[str, list[tuple[int, int, bool, bool]]] = {}
        for layout, start in zip(layouts, words.tolist(), strict=False):
            bits[: len(layout.bits), start : start + layout.bits.shape[1]] = layout.bits
            for uai, reserved in layout.schools.items():
                schools.setdefault(uai, []).extend((start + b // 64, b % 64, rep, qpv) for b, rep, qpv in reserved)

        def joined(name: str, shape: tuple[int, ...] = (0,), dtype: Any = np.int64) -> np.ndarray:
            parts = [getattr(layout, name) for layout in layouts]
            return np.concatenate(parts) if parts else np.zeros(shape, dtype=dtype)

        self._assembled = _Grid(
            cells=cells,
            keys=np.array([row * _KEY_ROW + col + _KEY_COLUMN for row, col in keys], dtype=np.int64),
            cell_centre=np.array([t.cell_centre for t in layouts]).reshape(-1, 3),
            cell_reach=np.array([t.cell_reach for t in layouts], dtype=np.float64),
            cell_tiles=tiles,
            cell_words=words,
            tile_first=joined("first") + np.repeat(offers[:-1], np.diff(tiles)),
            tile_count=joined("count"),
            tile_words=joined("words"),
            tile_centre=joined("centre", (0, 3), np.float64),
            tile_reach=joined("reach", (0,), np.float64),
            ids=joined("ids"),
            xyz=joined("xyz", (0, 3), np.float64),
            bits=bits,
            schools=schools,
        )
        return self._assembled

    # -- search ----------------------------------------------------------------------------

    def _plan(self, query: SearchQuery, audience: Audience) -> _Plan | None:
        """The rows a search combines, worked out once; None when nothing can match (an
        unknown grade or sector, or only unknown weeks)."""
        grade = None
        if query.grade is not None:
            grade = self._attribute_rows.get(("grade", query.grade))
            if grade is None:
                return None
        weeks = None
        if query.weeks:
            rows = [self._attribute_rows.get(("week", week)) for week in query.weeks]
            weeks = tuple(row for row in rows if row is not None)
            if any(is_college_week(week) for week in query.weeks):
                weeks += (_ALL_YEAR_ROW,)
            if not weeks:
                return None
        filters: tuple[str | int, ...] = ()
        if query.sector is not None:
            sector = self._sector_ids.get(query.sector)
            if sector is None:
                return None
            filters = (sector,)
        return _Plan(
            visible=2 * audience.rep + audience.qpv,
            grade=grade,
            weeks=weeks,
            school=audience.school_uai,
            rep=audience.rep,
            qpv=audience.qpv,
            filters=filters + tuple(keyword_words(query.keyword)),
        )

    def _box(self, grid: _Grid, query: SearchQuery, origin: np.ndarray, plan: _Plan) -> _Box | None:
        """The cells the circle may reach (a slice of the grid per row of cells), and which of
        their offers pass grade, weeks, visibility, sector and keyword."""
        box = bounding_box(query.latitude, query.longitude, max(0.0, query.radius_km) + _BOX_MARGIN_KM)
        rows = np.arange(math.floor(box.min_latitude / CELL_DEGREES), math.floor(box.max_latitude / CELL_DEGREES) + 1)
        if box.min_longitude is None or box.max_longitude is None:
            col_min, col_max = -_KEY_COLUMN, _KEY_COLUMN - 1
        else:
            col_min = math.floor(box.min_longitude / CELL_DEGREES)
            col_max = math.floor(box.max_longitude / CELL_DEGREES)
        low = np.searchsorted(grid.keys, rows * _KEY_ROW + (col_min + _KEY_COLUMN))
        high = np.searchsorted(grid.keys, rows * _KEY_ROW + (col_max + _KEY_COLUMN), side="right")
        cells = _ranges(low, high - low)
        cells = cells[
            _chords(grid.cell_centre[cells], origin) - grid.cell_reach[cells] <= _km_chord(query.radius_km + _EPS_KM)
        ]
        if not len(cells):
            return None
        words = _ranges(grid.cell_words[cells], grid.cell_words[cells + 1] - grid.cell_words[cells])
        tiles = _ranges(grid.cell_tiles[cells], grid.cell_tiles[cells + 1] - grid.cell_tiles[cells])
        tile_words = grid.tile_words[tiles]

        # Row by row (a 1-D take is about twice as fast as one 2-D gather of the rows).
        chosen = None
        for week in plan.weeks or ():
            if chosen is None:
                chosen = grid.bits[week].take(words)
            else:
                chosen |= grid.bits[week].take(words)
        if plan.grade is not None:
            grade = grid.bits[plan.grade].take(words)
            chosen = grade if chosen is None else np.bitwise_and(chosen, grade, out=chosen)
        matches = grid.bits[plan.visible].take(words)
        if chosen is not None:
            matches &= chosen
        # The offers reserved to the audience's school, when they pass the other criteria.
        for word, shift, rep, qpv in grid.schools.get(plan.school or "", ()):
            if (rep and not plan.rep) or (qpv and not plan.qpv):
                continue
            position = int(np.searchsorted(words, word))
            if position == len(words) or words[position] != word:
                continue  # outside the box
            if chosen is None or (int(chosen[position]) >> shift) & 1:
                matches[position] |= np.uint64(1 << shift)
        for criterion in plan.filters:
            matches &= np.concatenate([grid.cells[cell].bits_for(criterion) for cell in cells.tolist()])
        return _Box(words, tiles, np.cumsum(tile_words) - tile_words, matches)

    def search(self, query: SearchQuery, audience: Audience) -> SearchPage:
        """The page of offers matching ``query`` that ``audience`` may see, nearest first."""
        plan = self._plan(query, audience)
        if plan is None:
            return SearchPage(0, [])
        grid = self._grid()
        phi, lam = math.radians(query.latitude), math.radians(query.longitude)
        origin = np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])
        box = self._box(grid, query, origin, plan)
        if box is None:
            return SearchPage(0, [])
        radius = query.radius_km
        counts = np.add.reduceat(np.bitwise_count(box.matches), box.tile_word, dtype=np.int64)
        present = np.flatnonzero(counts)  # the tiles holding a match (positions in box.tiles)
        counts = counts[present]
        chord = _chords(grid.tile_centre[box.tiles[present]], origin)
        reach = grid.tile_reach[box.tiles[present]]
        lower = chord - reach  # no offer of the tile is nearer (a chord)

        # A tile wholly inside the radius counts without a distance measured; the offers of
        # the tiles the circle crosses are measured.
        inside = chord + reach <= _km_chord(radius - _EPS_KM)
        crossing = ~inside & (lower <= _km_chord(radius + _EPS_KM))
        counted = np.where(inside, counts, 0)
        offset, per_page = _page(query)
        need = offset + per_page
        # Nearest tiles first: the first bins of the walk whose inside tiles hold the page
        # are measured with the crossing ones, then every other tile that may hold an offer
        # nearer than the page's last.
        nearest = inside | crossing
        walk = int(counted.sum()) > need
        if walk:
            width = _km_chord(radius + _EPS_KM) / _WALK_BINS
            bins = np.minimum(np.maximum(lower, 0.0) / width, _WALK_BINS).astype(np.int64)
            filled = np.cumsum(np.bincount(bins, weights=counted))
            nearest = inside & (lower < (int(np.searchsorted(filled, need)) + 1) * width)
        measured = np.flatnonzero(nearest | crossing)
        candidates = self._found(grid, box, present[measured], origin, query)
        total = int(counted.sum()) + int(np.count_nonzero(crossing[measured][candidates.tiles]))
        if offset >= total:
            return SearchPage(total, [])
        if walk:
            farthest = _key_km(float(np.partition(candidates.keys, need - 1)[need - 1]))
            more = np.flatnonzero(inside & ~nearest & (lower <= _km_chord(farthest + 2 * _EPS_KM)))
            if len(more):
                candidates = candidates.extended(self._found(grid, box, present[more], origin, query))
        return SearchPage(total, self._ranked(candidates, query, offset, per_page, total))

    def _found(self, grid: _Grid, box: _Box, chosen: np.ndarray, origin: np.ndarray, query: SearchQuery) -> _Found:
        """The matching offers of the ``chosen`` tiles (positions in ``box.tiles``) within the radius."""
        tiles = box.tiles[chosen]
        count = grid.tile_count[tiles]
        ends = np.cumsum(count)
        starts = ends - count
        # Per offer: its number less its position here, its bit in box.matches less its
        # position here, and its tile (a position in ``chosen``).
        bases = np.column_stack((grid.tile_first[tiles] - starts, box.tile_word[chosen] * 64 - starts))
        bases = np.repeat(bases, count, axis=0)
        position = np.arange(int(ends[-1]) if len(ends) else 0)
        bit = bases[:, 1] + position
        hit = ((box.matches[bit >> 6] >> (bit & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)
        offers = (bases[:, 0] + position)[hit]
        to_offer = grid.xyz[offers] - origin
        found = _Found(
            np.einsum("ij,ij->i", to_offer, to_offer),
            grid.ids[offers],
            np.repeat(np.arange(len(chosen)), count)[hit],
            {},
        )
        radius = query.radius_km
        inside = found.keys <= _km_key(radius + _EPS_KM)
        # Near the radius, decide as brute_force does.
        uncertain = np.flatnonzero(inside & (found.keys > _km_key(radius - _EPS_KM)))
        for at in uncertain.tolist():
            offer = self._offers[int(found.ids[at])]
            d = distance_km(query.latitude, query.longitude, offer.latitude, offer.longitude)
            if d > radius:
                inside[at] = False
            else:
                found.exact[offer.offer_id] = d
        if not inside.all():
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
