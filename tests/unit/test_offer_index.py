"""The pupils' search in memory: its rules, and the same answers as a brute-force scan."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.contracts.offers import OfferSnapshot
from services.common.geography import distance_km
from services.matching.offer_index import (
    Audience,
    IndexedOffer,
    OfferIndex,
    SearchQuery,
    is_college_week,
)

pytestmark = pytest.mark.unit

COLLEGE = ["2026-W40", "2026-W41", "2027-W03", "2027-W10"]
SECONDE = ["2027-W24", "2027-W25"]
GRADES = ["quatrieme", "troisieme", "seconde"]
SCHOOLS = ["0752694W", "0753937X", "0131260Z"]
TEXT_WORDS = ["boulangerie", "patisserie", "mairie", "garage"]
LYON = (45.764, 4.8357)


def offer(offer_id: int = 1, latitude: float = LYON[0], longitude: float = LYON[1], **changes) -> IndexedOffer:
    values = {
        "offer_id": offer_id,
        "version": 1,
        "latitude": latitude,
        "longitude": longitude,
        "grades": frozenset({"troisieme"}),
        "all_year": False,
        "weeks": frozenset({"2026-W40"}),
        "title": "Boulangerie",
        "employer_name": "Au bon pain",
        "city": "Lyon",
        "zipcode": "69004",
        "sector": "s12",
        "remaining_seats": 2,
        "reserved_rep": False,
        "reserved_qpv": False,
        "reserved_school_uais": (),
        "search_text": "boulangerie observer le fournil au bon pain",
    }
    values.update(changes)
    return IndexedOffer(**values)


def ids(page) -> list[int]:
    return [found.offer_id for _, found in page.results]


def both(index: OfferIndex, query: SearchQuery, audience: Audience = Audience()) -> list[int]:
    """The search's ids, after checking that brute force gives exactly the same page."""
    fast, slow = index.search(query, audience), index.brute_force(query, audience)
    assert fast.total == slow.total
    assert [(d, o.offer_id) for d, o in fast.results] == [(d, o.offer_id) for d, o in slow.results]
    return ids(fast)


def test_from_snapshot_folds_the_text_and_merges_the_weeks():
    snapshot = OfferSnapshot(
        offer_id=7, version=3, status="published", title="Pâtisserie fine", description="Découvrir le fournil.",
        employer_name="Maison Hervé", sector="s12", street="1 rue", zipcode="69004", city="Lyon", latitude=45.7,
        longitude=4.8, grades=["quatrieme", "seconde"], college_weeks=["2026-W40"], seconde_weeks=SECONDE,
        max_candidates=3, remaining_seats=2, reserved_rep=True, reserved_qpv=False, reserved_school_uai=None,
    )  # fmt: skip
    # A snapshot written before offers named several schools carries one UAI: it is the list.
    legacy = {**snapshot.model_dump(exclude={"reserved_school_uais"}), "reserved_school_uai": "0752694W"}
    assert IndexedOffer.from_snapshot(OfferSnapshot.model_validate(legacy)).reserved_school_uais == ("0752694W",)
    indexed = IndexedOffer.from_snapshot(snapshot)
    assert indexed.search_text == "patisserie fine decouvrir le fournil maison herve"
    assert indexed.weeks == frozenset({"2026-W40", *SECONDE}) and not indexed.all_year
    assert indexed.grades == frozenset({"quatrieme", "seconde"}) and indexed.reserved_rep
    all_year = IndexedOffer.from_snapshot(snapshot.model_copy(update={"college_weeks": "all_year"}))
    assert all_year.all_year and all_year.weeks == frozenset(SECONDE)


def test_college_weeks_are_told_from_seconde_and_summer_weeks():
    assert is_college_week("2026-W36") and is_college_week("2027-W03") and is_college_week("2027-W21")
    assert not is_college_week("2027-W24") and not is_college_week("2026-W30") and not is_college_week("x")


def test_nearest_first_within_the_radius_ties_by_id():
    index = OfferIndex()
    index.upsert(offer(3, 45.80, 4.85))
    index.upsert(offer(1, 45.80, 4.85))
    index.upsert(offer(2, 45.77, 4.84))
    index.upsert(offer(4, 46.40, 4.84))  # about 70 km north
    page = index.search(SearchQuery(*LYON), Audience())
    assert ids(page) == [2, 1, 3] and page.total == 3
    assert page.results[0][0] == pytest.approx(distance_km(*LYON, 45.77, 4.84))
    assert both(index, SearchQuery(*LYON, radius_km=80)) == [2, 1, 3, 4]
    assert both(index, SearchQuery(*LYON, radius_km=1)) == [2]
    assert both(index, SearchQuery(*LYON, radius_km=0.5)) == []


def test_pages_and_total():
    index = OfferIndex()
    for offer_id in range(1, 26):
        index.upsert(offer(offer_id, LYON[0] + offer_id / 1000, LYON[1]))
    second = index.search(SearchQuery(*LYON, page=2, per_page=10), Audience())
    assert second.total == 25 and ids(second) == list(range(11, 21))
    assert ids(index.search(SearchQuery(*LYON, page=3, per_page=10), Audience())) == list(range(21, 26))
    assert index.search(SearchQuery(*LYON, page=4, per_page=10), Audience()).results == []


def test_grade_and_seats():
    index = OfferIndex()
    index.upsert(offer(1, grades=frozenset({"seconde"}), weeks=frozenset(SECONDE)))
    index.upsert(offer(2, grades=frozenset({"quatrieme", "troisieme"})))
    index.upsert(offer(3, remaining_seats=0))
    assert both(index, SearchQuery(*LYON, grade="seconde")) == [1]
    assert both(index, SearchQuery(*LYON, grade="quatrieme")) == [2]
    assert both(index, SearchQuery(*LYON)) == [1, 2]
    assert both(index, SearchQuery(*LYON, grade="cinquieme")) == []


def test_sector():
    index = OfferIndex()
    index.upsert(offer(1, sector="s12"))
    index.upsert(offer(2, sector="s31"))
    assert both(index, SearchQuery(*LYON, sector="s31")) == [2]
    assert both(index, SearchQuery(*LYON, sector="s12")) == [1]
    assert both(index, SearchQuery(*LYON, sector="s5")) == []
    assert both(index, SearchQuery(*LYON)) == [1, 2]


def test_weeks_all_year_matches_any_college_week_but_not_seconde_weeks():
    index = OfferIndex()
    index.upsert(offer(1, weeks=frozenset({"2026-W40"})))
    index.upsert(offer(2, all_year=True, weeks=frozenset()))
    index.upsert(offer(3, grades=frozenset({"seconde"}), weeks=frozenset({SECONDE[0]})))
    assert both(index, SearchQuery(*LYON, weeks=frozenset({"2026-W40"}))) == [1, 2]
    assert both(index, SearchQuery(*LYON, weeks=frozenset({"2027-W10"}))) == [2]
    assert both(index, SearchQuery(*LYON, weeks=frozenset({SECONDE[0]}))) == [3]
    assert both(index, SearchQuery(*LYON, weeks=frozenset({SECONDE[1]}))) == []
    assert both(index, SearchQuery(*LYON)) == [1, 2, 3]


def test_keyword_ignores_accents_and_case_and_needs_every_word():
    index = OfferIndex()
    index.upsert(offer(1, search_text="patisserie fine maison herve"))
    index.upsert(offer(2, search_text="garage du centre"))
    assert both(index, SearchQuery(*LYON, keyword="PÂTISSERIE")) == [1]
    assert both(index, SearchQuery(*LYON, keyword="Hervé patiss")) == [1]
    assert both(index, SearchQuery(*LYON, keyword="hervé garage")) == []
    assert both(index, SearchQuery(*LYON, keyword="  ")) == [1, 2]


def test_reserved_offers_are_shown_only_to_their_audience():
    index = OfferIndex()
    index.upsert(offer(1))
    index.upsert(offer(2, reserved_rep=True))
    index.upsert(offer(3, reserved_qpv=True))
    index.upsert(offer(4, reserved_school_uais=("0752694W",)))
    index.upsert(offer(5, reserved_rep=True, reserved_school_uais=("0752694W",)))
    index.upsert(offer(6, reserved_school_uais=("0753937X", "0752694W")))
    query = SearchQuery(*LYON)
    assert both(index, query) == [1]
    assert both(index, query, Audience(school_uai="0131260Z", rep=True)) == [1, 2]
    assert both(index, query, Audience(qpv=True)) == [1, 3]
    assert both(index, query, Audience(school_uai="0752694W")) == [1, 4, 6]
    assert both(index, query, Audience(school_uai="0753937X")) == [1, 6]
    assert both(index, query, Audience(school_uai="0752694W", rep=True, qpv=True)) == [1, 2, 3, 4, 5, 6]


def test_an_offer_reserved_to_several_schools_leaves_them_all_when_it_changes():
    index = OfferIndex()
    index.upsert(offer(1, reserved_school_uais=("0753937X", "0752694W")))
    index.upsert(offer(1, version=2, reserved_school_uais=("0131260Z",)))
    query = SearchQuery(*LYON)
    assert both(index, query, Audience(school_uai="0752694W")) == []
    assert both(index, query, Audience(school_uai="0131260Z")) == [1]
    index.upsert(offer(1, version=3, remaining_seats=0, reserved_school_uais=("0131260Z",)))
    assert both(index, query, Audience(school_uai="0131260Z")) == []
    index.upsert(offer(1, version=4, reserved_school_uais=()))
    assert both(index, query) == [1]


def test_versions_order_changes_and_remove_forgets():
    index = OfferIndex()
    index.upsert(offer(1, version=2, title="v2"))
    index.upsert(offer(1, version=1, title="v1"))
    assert index.get(1).title == "v2"
    index.upsert(offer(1, version=3, latitude=48.85, longitude=2.35, title="v3"))  # moved to Paris
    assert both(index, SearchQuery(*LYON)) == [] and both(index, SearchQuery(48.85, 2.35)) == [1]
    index.upsert(offer(1, version=4, latitude=48.85, longitude=2.35, remaining_seats=0))
    assert len(index) == 1 and both(index, SearchQuery(48.85, 2.35)) == []
    index.remove(1)
    index.remove(1)
    assert len(index) == 0 and both(index, SearchQuery(48.85, 2.35)) == []


def test_many_distinct_weeks_widen_the_week_bits():
    index = OfferIndex()
    weeks = [f"{2020 + n // 50}-W{n % 50 + 1:02d}" for n in range(200)]
    for n, week in enumerate(weeks):
        index.upsert(offer(n + 1, weeks=frozenset({week})))
        assert both(index, SearchQuery(*LYON, weeks=frozenset({week}))) == [n + 1]
    assert both(index, SearchQuery(*LYON, weeks=frozenset(weeks[60:70])))[:3] == [61, 62, 63]


# -- property: the index answers exactly what a brute-force scan answers --------------------

# Around France, and where a box of latitudes and longitudes is hardest: the antimeridian
# (Wallis-et-Futuna, Fiji) and the poles.
ORIGINS = [(46.5, 2.5), (-13.3, -176.2), (-16.5, 179.9), (89.6, 10.0), (-89.7, -120.0), (0.0, 0.0)]


@st.composite
def offers_and_queries(draw):
    origin_lat, origin_lon = draw(st.sampled_from(ORIGINS))
    spread = draw(st.sampled_from([0.05, 0.5, 2.0]))

    def place() -> tuple[float, float]:
        lat = min(90.0, max(-90.0, origin_lat + draw(st.floats(-spread, spread))))
        lon = origin_lon + draw(st.floats(-spread * 3, spread * 3))
        lon = (lon + 180.0) % 360.0 - 180.0
        return lat, lon

    offers = []
    for offer_id in draw(st.lists(st.integers(1, 400), min_size=0, max_size=60, unique=True)):
        lat, lon = place()
        offers.append(
            offer(
                offer_id,
                lat,
                lon,
                version=draw(st.integers(1, 3)),
                grades=frozenset(draw(st.lists(st.sampled_from(GRADES), min_size=1, max_size=3))),
                all_year=draw(st.booleans()),
                weeks=frozenset(draw(st.lists(st.sampled_from(COLLEGE + SECONDE), max_size=3))),
                remaining_seats=draw(st.integers(0, 3)),
                reserved_rep=draw(st.booleans()) and draw(st.booleans()),
                reserved_qpv=draw(st.booleans()) and draw(st.booleans()),
                reserved_school_uais=tuple(draw(st.lists(st.sampled_from(SCHOOLS), max_size=2, unique=True))),
                search_text=" ".join(
                    draw(st.lists(st.sampled_from(["boulangerie", "patisserie", "mairie", "garage"]), max_size=3))
                ),
            )
        )
    duplicates = draw(st.lists(st.sampled_from(offers), max_size=5)) if offers else []
    removed = draw(st.lists(st.sampled_from([o.offer_id for o in offers]), max_size=5)) if offers else []
    lat, lon = place()
    query = SearchQuery(
        latitude=lat,
        longitude=lon,
        radius_km=draw(st.sampled_from([60.0, 60.0, 25.0, 0.5, 300.0])),
        grade=draw(st.one_of(st.none(), st.sampled_from(GRADES))),
        weeks=frozenset(draw(st.lists(st.sampled_from(COLLEGE + SECONDE), max_size=2))),
        keyword=draw(st.one_of(st.none(), st.sampled_from(["boulang", "Pâtisserie", "mairie garage", "zzz"]))),
        page=draw(st.integers(1, 3)),
        per_page=draw(st.sampled_from([1, 5, 20])),
    )
    audience = Audience(
        school_uai=draw(st.one_of(st.none(), st.sampled_from(SCHOOLS))),
        rep=draw(st.booleans()),
        qpv=draw(st.booleans()),
    )
    return offers, duplicates, removed, query, audience


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offers_and_queries())
def test_search_returns_exactly_what_brute_force_returns(case):
    offers, duplicates, removed, query, audience = case
    index = OfferIndex()
    for each in offers:
        index.upsert(each)
    index.search(query, audience)  # cells built once, then changed: the lazy rebuild is tested too
    for each in duplicates:
        index.upsert(IndexedOffer(**{**each.__dict__, "version": each.version - 1, "title": "older"}))
    for offer_id in removed:
        index.remove(offer_id)
    both(index, query, audience)
    assert all(index.get(o.offer_id) is None or index.get(o.offer_id).title != "older" for o in offers)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ORIGINS), st.floats(0.1, 60.0), st.integers(0, 359))
def test_points_on_the_radius_are_found_as_brute_force_finds_them(origin, radius, bearing_degrees):
    """Offers placed right at the radius, where rounding decides: both agree."""

    lat0, lon0 = origin
    index = OfferIndex()
    angular = radius / 6371.0088
    for n, delta in enumerate((-1e-9, 0.0, 1e-9)):
        bearing = math.radians(bearing_degrees)
        phi0, lam0 = math.radians(lat0), math.radians(lon0)
        a = angular * (1 + delta)
        phi = math.asin(math.sin(phi0) * math.cos(a) + math.cos(phi0) * math.sin(a) * math.cos(bearing))
        lam = lam0 + math.atan2(
            math.sin(bearing) * math.sin(a) * math.cos(phi0), math.cos(a) - math.sin(phi0) * math.sin(phi)
        )
        lon = (math.degrees(lam) + 180) % 360 - 180
        index.upsert(offer(n + 1, math.degrees(phi), lon, weeks=frozenset()))
    both(index, SearchQuery(lat0, lon0, radius_km=radius))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ORIGINS),
    st.lists(st.tuples(st.floats(-1.0, 1.0), st.floats(-3.0, 3.0)), min_size=1, max_size=80),
    st.floats(0.5, 60.0),
    st.integers(1, 4),
)
def test_geometry_alone_matches_brute_force(origin, offsets, radius, page):
    """Every offer passes the other filters: only distances, the radius and the order decide."""
    lat0, lon0 = origin
    index = OfferIndex()
    for n, (d_lat, d_lon) in enumerate(offsets):
        lat = min(90.0, max(-90.0, lat0 + d_lat))
        index.upsert(offer(n + 1, lat, (lon0 + d_lon + 180.0) % 360.0 - 180.0, weeks=frozenset()))
    both(index, SearchQuery(lat0, lon0, radius_km=radius, page=page, per_page=7))


@st.composite
def crowded_tiles(draw):
    """Hundreds of offers in a few tiles (more than 64 to a tile: several words of bits per
    tile), some reserved to the audience's school, and a search whose page lies among them."""
    origin_lat, origin_lon = draw(st.sampled_from(ORIGINS))
    spread = draw(st.sampled_from([0.005, 0.02, 0.3]))
    count = draw(st.integers(60, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    offers = []
    for offer_id in range(1, count + 1):
        lat = min(90.0, max(-90.0, origin_lat + rng.uniform(-spread, spread)))
        lon = (origin_lon + rng.uniform(-spread, spread) * 3 + 180.0) % 360.0 - 180.0
        offers.append(
            offer(
                offer_id,
                lat,
                lon,
                grades=frozenset(rng.sample(GRADES, rng.randint(1, 3))),
                all_year=rng.random() < 0.3,
                weeks=frozenset(rng.sample(COLLEGE + SECONDE, rng.randint(0, 3))),
                sector=rng.choice(["s12", "s31"]),
                reserved_rep=rng.random() < 0.1,
                reserved_qpv=rng.random() < 0.1,
                reserved_school_uais=tuple(rng.sample(SCHOOLS, 1)) if rng.random() < 0.1 else (),
                search_text=" ".join(rng.sample(TEXT_WORDS, rng.randint(0, 2))),
            )
        )
    query = SearchQuery(
        latitude=origin_lat,
        longitude=origin_lon,
        radius_km=draw(st.sampled_from([0.3, 2.0, 15.0, 60.0])),
        grade=draw(st.one_of(st.none(), st.sampled_from(GRADES))),
        weeks=frozenset(draw(st.lists(st.sampled_from(COLLEGE + SECONDE), max_size=3))),
        keyword=draw(st.one_of(st.none(), st.sampled_from(["boulang", "mairie garage"]))),
        sector=draw(st.one_of(st.none(), st.just("s31"))),
        page=draw(st.integers(1, 5)),
        per_page=draw(st.sampled_from([1, 7, 20])),
    )
    audience = Audience(
        school_uai=draw(st.one_of(st.none(), st.sampled_from(SCHOOLS))),
        rep=draw(st.booleans()),
        qpv=draw(st.booleans()),
    )
    return offers, query, audience


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_tiles())
def test_crowded_tiles_count_and_page_as_brute_force_does(case):
    """Tiles wholly inside the radius are counted by their bits, the page is taken from the
    nearest tiles only: total and page are still brute force's, before and after changes."""
    offers, query, audience = case
    index = OfferIndex()
    for each in offers:
        index.upsert(each)
    both(index, query, audience)
    for each in offers[::7]:  # seats taken, moved, reserved: the changed cells are laid out again
        index.upsert(
            offer(
                each.offer_id,
                each.latitude + 0.001,
                each.longitude,
                version=2,
                remaining_seats=each.offer_id % 2,
                reserved_school_uais=(SCHOOLS[0],),
            )
        )
    index.remove(offers[-1].offer_id)
    both(index, query, audience)
