"""The partner API v2's search on matching's offer index: which ids, in which order."""

from __future__ import annotations

import pytest

from services.matching.offer_index import OfferIndex
from services.matching.partner_search import PartnerSearch, search_ids
from tests.unit.test_offer_index import LYON, offer

pytestmark = pytest.mark.unit

PARIS = (48.8566, 2.3522)


@pytest.fixture
def index() -> OfferIndex:
    held = OfferIndex()
    for found in (
        offer(5, LYON[0] + 0.05, LYON[1], title="Garage", search_text="garage mecanique"),
        offer(3, LYON[0] + 0.01, LYON[1]),
        offer(4, LYON[0] + 0.02, LYON[1], reserved_rep=True),  # partners see REP offers, flagged
        offer(6, LYON[0], LYON[1], reserved_school_uais=("0752694W",)),  # not those of named schools
        offer(7, LYON[0], LYON[1], remaining_seats=0),  # nor full ones, as pupils
        offer(8, LYON[0] + 0.03, LYON[1], grades=frozenset({"seconde"}), reserved_qpv=True),
        offer(1, *PARIS),
    ):
        held.upsert(found)
    return held


def test_around_a_place_nearest_first_within_the_radius(index):
    around_lyon = PartnerSearch(latitude=LYON[0], longitude=LYON[1])
    assert search_ids(index, around_lyon) == {"total": 4, "offer_ids": [3, 4, 8, 5]}
    near = PartnerSearch(latitude=LYON[0], longitude=LYON[1], radius=3_000)  # metres
    assert search_ids(index, near) == {"total": 2, "offer_ids": [3, 4]}
    of_grade = PartnerSearch(latitude=LYON[0], longitude=LYON[1], grade="seconde")
    assert search_ids(index, of_grade) == {"total": 1, "offer_ids": [8]}
    paged = PartnerSearch(latitude=LYON[0], longitude=LYON[1], page=2, per_page=3)
    assert search_ids(index, paged) == {"total": 4, "offer_ids": [5]}


def test_without_a_place_every_findable_offer_from_north_to_south(index):
    assert search_ids(index, PartnerSearch()) == {"total": 5, "offer_ids": [1, 5, 8, 4, 3]}
    assert search_ids(index, PartnerSearch(keyword="MÉCANIQUE garage")) == {"total": 1, "offer_ids": [5]}
    assert search_ids(index, PartnerSearch(grade="troisieme", page=2, per_page=2)) == {"total": 4, "offer_ids": [4, 3]}
    overseas = offer(9, -21.1151, 55.5364)  # La Réunion: the antipodes are within reach too
    index.upsert(overseas)
    assert search_ids(index, PartnerSearch())["offer_ids"][-1] == 9
