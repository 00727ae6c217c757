"""The pupils' offer search in memory: published offers by place, and the search rules.

Pure module (no nameko, no SQLAlchemy): ``OfferIndex`` holds the offers of the projection
and answers ``search``; ``brute_force`` scans every offer with the same rules (tests and the
bench compare the two).

How it is fast: offers sit in cells of a grid of ``CELL_DEGREES`` (latitude × longitude).
A search takes the cells that intersect the latitude/longitude box of its radius
(``geography.bounding_box``), filters each cell's numpy records on grade, weeks, visibility
and keyword with boolean masks, concatenates the survivors' coordinates and ids, and
measures their distances at once; Python runs only for the page. A cell's records are rebuilt lazily (or by
``prepare``) after one of its offers changed; each cell keeps, for its last keywords, which
of its offers hold the word (a keyword comes back: the text is scanned once per cell).

Why results equal the brute-force scan exactly: numpy's sines may differ from ``math``'s in
the last bit, so a numpy distance decides nothing within ``_EPS_KM`` of a boundary. Offers
that close to the radius are measured again with ``geography.distance_km`` (what
``brute_force`` uses), and so is every offer of the requested page and its near-ties:
answered distances are ``distance_km``'s, ordered by (distance, offer_id).

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


def _cell_of(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)


def _record_dtype(words: int) -> np.dtype:
    return np.dtype(
        [
            ("phi", "f8"),  # latitude, radians
            ("lam", "f8"),  # longitude, radians
            ("cos_phi", "f8"),
            ("id", "i8"),
            ("grades", "i8"),  # bit per grade (``OfferIndex._grade_bits``)
            ("flags", "i8"),  # _ALL_YEAR, _RESERVED_*
            ("sector", "i2"),  # the n of the sector's code "sN" (0: unknown)
            ("weeks", "u8", (words,)),  # bit per week (``OfferIndex._week_bits``)
        ]
    )


@dataclass
class _Cell:
    offers: dict[int, IndexedOffer] = field(default_factory=dict)
    # The offers' records, one contiguous array per field of ``_record_dtype`` (a mask over a
    # contiguous column is several times faster than over a field of packed records); None: to rebuild.
    records: Columns | None = None
    # Whether each offer's text (in the order of ``records``) holds a word: keywords come
    # back, so each cell keeps the answers of its last ``_WORDS_PER_CELL`` words.
    word_masks: dict[str, np.ndarray] = field(default_factory=dict)

    def changed(self) -> None:
        self.records = None
        self.word_masks.clear()

    def word_mask(self, word: str) -> np.ndarray:
        mask = self.word_masks.get(word)
        if mask is None:
            if len(self.word_masks) >= _WORDS_PER_CELL:
                del self.word_masks[next(iter(self.word_masks))]
            texts = [offer.search_text for offer in self.offers.values()]
            mask = np.fromiter((word in text for text in texts), dtype=bool, count=len(texts))
            self.word_masks[word] = mask
        return mask


@dataclass(frozen=True)
class _Criteria:
    """What one search asks of a record besides its place (``OfferIndex._criteria``)."""

    grade_bits: int | None
    sector: int | None
    week_mask: np.ndarray | None
    all_year_opens: bool  # a collège week is asked: offers open all year match
    hidden: int  # the reservation flags the audience may not see
    reserved_ids: np.ndarray | None  # the offers reserved to the audience's school

    def mask(self, records: Columns) -> np.ndarray:
        """Which of ``records`` pass grade, sector, weeks and visibility."""
        flags = records["flags"]
        keep = (flags & self.hidden) == 0 if self.hidden else np.ones(len(records["id"]), dtype=bool)
        if self.grade_bits is not None:
            keep &= (records["grades"] & self.grade_bits) != 0
        if self.sector is not None:
            keep &= records["sector"] == self.sector
        if self.week_mask is not None:
            # Word by word: np.any(..., axis=1) over a (n, 1) array is slower than one column's test.
            weeks = records["weeks"]
            open_weeks = np.zeros(len(weeks), dtype=bool)
            for word, bits in enumerate(self.week_mask.tolist()):
                if bits:
                    open_weeks |= (weeks[:, word] & np.uint64(bits)) != 0
            if self.all_year_opens:
                open_weeks |= (flags & _ALL_YEAR) != 0
            keep &= open_weeks
        # Offers reserved to some schools are few: only they are looked up among the
        # audience's (np.isin over every record of a dense box cost a tenth of its search).
        reserved = np.flatnonzero(keep & ((flags & _RESERVED_SCHOOL) != 0))
        if len(reserved):
            theirs = self.reserved_ids
            keep[reserved] = False if theirs is None else np.isin(records["id"][reserved], theirs)
        return keep


class OfferIndex:
    """The published offers of the projection, searchable by place."""

    def __init__(self) -> None:
        self._offers: dict[int, IndexedOffer] = {}
        # Offers with seats left, by cell (the others are held for their version only).
        self._cells: dict[tuple[int, int], _Cell] = {}
        self._rows: dict[int, set[int]] = {}  # cell row → cell columns in use
        self._row_of: dict[int, tuple[Any, ...]] = {}  # offer_id → its record, of the placed offers
        self._grade_bits: dict[str, int] = {}
        self._week_bits: dict[str, int] = {}
        # The placed offers reserved to each school: a pupil of that school sees them too.
        self._reserved_to: dict[str, set[int]] = {}
        self._words = 1
        self._dtype = _record_dtype(self._words)

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
            if grade not in self._grade_bits:
                if len(self._grade_bits) >= 62:
                    raise ValueError("too many distinct grades")
                self._grade_bits[grade] = 1 << len(self._grade_bits)
        for week in offer.weeks:
            if week not in self._week_bits:
                self._week_bits[week] = len(self._week_bits)
                if len(self._week_bits) > 64 * self._words:
                    # One more word of week bits: every cell's records get the new width.
                    self._words += 1
                    self._dtype = _record_dtype(self._words)
                    for cell in self._cells.values():
                        cell.changed()
                    self._row_of = {placed: self._row(self._offers[placed]) for placed in self._row_of}
        for uai in offer.reserved_school_uais:
            self._reserved_to.setdefault(uai, set()).add(offer.offer_id)
        key = _cell_of(offer.latitude, offer.longitude)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = _Cell()
            self._rows.setdefault(key[0], set()).add(key[1])
        cell.offers[offer.offer_id] = offer
        cell.changed()
        self._row_of[offer.offer_id] = self._row(offer)

    def _unplace(self, offer: IndexedOffer) -> None:
        key = _cell_of(offer.latitude, offer.longitude)
        cell = self._cells.get(key)
        if cell is None or cell.offers.pop(offer.offer_id, None) is None:
            return
        del self._row_of[offer.offer_id]
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

    def _row(self, offer: IndexedOffer) -> tuple[Any, ...]:
        """The offer's record, as a tuple of ``_record_dtype(self._words)``."""
        phi = math.radians(offer.latitude)
        weeks = [0] * self._words
        for week in offer.weeks:
            bit = self._week_bits[week]
            weeks[bit // 64] |= 1 << (bit % 64)
        flags = (
            (_ALL_YEAR if offer.all_year else 0)
            | (_RESERVED_REP if offer.reserved_rep else 0)
            | (_RESERVED_QPV if offer.reserved_qpv else 0)
            | (_RESERVED_SCHOOL if offer.reserved_school_uais else 0)
        )
        grades = 0
        for grade in offer.grades:
            grades |= self._grade_bits[grade]
        sector = sector_number(offer.sector)
        return (phi, math.radians(offer.longitude), math.cos(phi), offer.offer_id, grades, flags, sector, weeks)

    def _records(self, cell: _Cell) -> Columns:
        if cell.records is None:
            rows = self._row_of
            packed = np.array([rows[offer_id] for offer_id in cell.offers], dtype=self._dtype)
            cell.records = {name: np.ascontiguousarray(packed[name]) for name in packed.dtype.names or ()}
        return cell.records

    def prepare(self) -> None:
        """Build the records of every changed cell now, rather than in the next search."""
        for cell in self._cells.values():
            self._records(cell)

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

    def _week_mask(self, weeks: frozenset[str]) -> np.ndarray:
        mask = np.zeros(self._words, dtype=np.uint64)
        for week in weeks:
            bit = self._week_bits.get(week)
            if bit is not None:
                mask[bit // 64] |= np.uint64(1 << (bit % 64))
        return mask

    def search(self, query: SearchQuery, audience: Audience) -> SearchPage:
        """The page of offers matching ``query`` that ``audience`` may see, nearest first."""
        cells = self._candidate_cells(query)
        criteria = self._criteria(query, audience)
        words = keyword_words(query.keyword)
        # Each cell is filtered where its columns lie and only its survivors' four columns are
        # copied: concatenating every packed record of the box, then indexing them, took most
        # of a dense search's time (bench.search at 1,000,000 offers).
        kept: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for cell in cells:
            records = self._records(cell)
            keep = criteria.mask(records)
            for word in words:
                keep = keep & cell.word_mask(word)
            kept.append((records["phi"][keep], records["lam"][keep], records["cos_phi"][keep], records["id"][keep]))
        if not kept:
            return SearchPage(0, [])
        phi, lam, cos_phi, ids = (np.concatenate(column) for column in zip(*kept, strict=True))
        if len(ids) == 0:
            return SearchPage(0, [])

        # Great-circle distances (haversine), all at once.
        phi_0 = math.radians(query.latitude)
        lam_0 = math.radians(query.longitude)
        a = np.sin((phi - phi_0) / 2) ** 2 + math.cos(phi_0) * cos_phi * (np.sin((lam - lam_0) / 2) ** 2)
        distances = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        radius = query.radius_km
        inside = distances <= radius + _EPS_KM
        ids = ids[inside]
        distances = distances[inside]

        # Near the radius, decide as brute_force does.
        exact: dict[int, float] = {}
        uncertain = distances > radius - _EPS_KM
        if uncertain.any():
            keep_exact = np.ones(len(ids), dtype=bool)
            for position in np.flatnonzero(uncertain).tolist():
                offer = self._offers[int(ids[position])]
                d = distance_km(query.latitude, query.longitude, offer.latitude, offer.longitude)
                if d > radius:
                    keep_exact[position] = False
                else:
                    exact[offer.offer_id] = d
            ids, distances = ids[keep_exact], distances[keep_exact]

        total = len(ids)
        offset, per_page = _page(query)
        if offset >= total:
            return SearchPage(total, [])
        last = min(total, offset + per_page) - 1
        bounds = np.partition(distances, [offset, last]) if total > 1 else distances
        low, high = float(bounds[offset]), float(bounds[last])
        # Offers nearer than low - eps come before the page in any exact order, those
        # farther than high + eps after it: only the band between is measured exactly.
        before = int(np.count_nonzero(distances < low - _EPS_KM))
        band = (distances >= low - _EPS_KM) & (distances <= high + _EPS_KM)
        ranked = []
        for offer_id in ids[band].tolist():
            offer = self._offers[offer_id]
            d = exact.get(offer_id)
            if d is None:
                d = distance_km(query.latitude, query.longitude, offer.latitude, offer.longitude)
            ranked.append((d, offer_id, offer))
        ranked.sort(key=lambda item: (item[0], item[1]))
        start = offset - before
        return SearchPage(total, [(d, offer) for d, _, offer in ranked[start : start + per_page]])

    def _criteria(self, query: SearchQuery, audience: Audience) -> _Criteria:
        """Grade, sector, weeks and visibility as bits to test, worked out once per search."""
        reserved = self._reserved_to.get(audience.school_uai or "")
        hidden = (0 if audience.rep else _RESERVED_REP) | (0 if audience.qpv else _RESERVED_QPV)
        return _Criteria(
            grade_bits=None if query.grade is None else self._grade_bits.get(query.grade, 0),
            sector=None if query.sector is None else sector_number(query.sector),
            week_mask=self._week_mask(query.weeks) if query.weeks else None,
            all_year_opens=any(is_college_week(week) for week in query.weeks),
            hidden=hidden,
            reserved_ids=np.fromiter(reserved, dtype=np.int64, count=len(reserved)) if reserved else None,
        )

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
