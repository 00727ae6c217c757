"""Matching's plain rules: distances and boxes, who chooses a school's weeks and which weeks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.error_statuses import status_of
from services.common.contracts.actors import Actor
from services.common.contracts.schools import SchoolSearchQuery, SchoolWeeksBody
from services.common.errors import DomainError
from services.common.geography import bounding_box, distance_km
from services.common.validation import parse
from services.matching import rules

pytestmark = pytest.mark.unit

PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)
TODAY = date(2026, 11, 29)  # a Sunday: 2026-W48 (23–27 November) is over, 2026-W49 is ahead

latitudes = st.floats(min_value=-89.0, max_value=89.0)
longitudes = st.floats(min_value=-180.0, max_value=180.0)


def test_great_circle_distances():
    assert distance_km(*PARIS, *PARIS) == 0
    assert distance_km(*PARIS, *LYON) == pytest.approx(392, abs=2)
    # Le Port (La Réunion) to Saint-Denis (La Réunion)
    assert distance_km(-20.9441, 55.2904, -20.8823, 55.4504) == pytest.approx(18, abs=1)


@given(latitudes, longitudes, latitudes, longitudes, st.floats(min_value=0.5, max_value=25000))
def test_every_point_within_the_radius_is_inside_the_box(lat, lon, other_lat, other_lon, radius):
    if distance_km(lat, lon, other_lat, other_lon) > radius:
        return
    box = bounding_box(lat, lon, radius)
    assert box.min_latitude - 1e-9 <= other_lat <= box.max_latitude + 1e-9
    if box.min_longitude is not None and box.max_longitude is not None:
        assert box.min_longitude - 1e-9 <= other_lon <= box.max_longitude + 1e-9


def test_boxes_are_tight_in_mainland_france_and_open_near_the_antimeridian():
    box = bounding_box(*PARIS, 25)
    assert box.max_latitude - box.min_latitude == pytest.approx(0.45, abs=0.01)
    assert box.max_longitude - box.min_longitude == pytest.approx(0.68, abs=0.01)
    wallis = bounding_box(-13.28, -176.17, 500)
    assert wallis.min_longitude is None
    assert bounding_box(*PARIS, 30000).whole_earth


def staff(role: str = "school_manager", school_uai: str | None = "0752694W") -> Actor:
    return Actor(user_id=7, role=role, team_id=None, school_uai=school_uai)


def test_only_the_schools_own_staff_sets_its_weeks():
    assert rules.may_set_weeks(staff(), "0752694W")
    assert rules.may_set_weeks(staff("teacher"), "0752694w")
    assert not rules.may_set_weeks(staff("student"), "0752694W")
    assert not rules.may_set_weeks(staff(school_uai="0753937X"), "0752694W")
    assert not rules.may_set_weeks(Actor(user_id=8, role="employer", team_id=3), "0752694W")
    assert not rules.may_set_weeks(staff(school_uai=None), "0752694W")


def test_new_weeks_are_collège_weeks_of_the_current_school_year_not_past():
    assert rules.week_problems(["2026-W49", "2027-W21"], set(), TODAY) == []
    problems = rules.week_problems(["2026-W48", "2027-W22", "2027-W25", "2026-W35"], set(), TODAY)
    outside = "n'est pas une semaine de collège de l'année scolaire 2026-2027 (de 2026-W36 à 2027-W21)."
    assert problems == [
        "La semaine 2026-W48 est passée.",
        f"La semaine 2027-W22 {outside}",
        f"La semaine 2027-W25 {outside}",
        f"La semaine 2026-W35 {outside}",
    ]
    # A past week the school already had is sent back unchanged by its form: accepted.
    assert rules.week_problems(["2026-W40", "2026-W50"], {"2026-W40"}, TODAY) == []


def test_a_new_choice_replaces_the_upcoming_weeks_and_keeps_the_past_ones():
    stored = {"2025-W50", "2026-W40", "2026-W50", "2027-W03"}
    after = rules.weeks_after_change(["2027-W10"], stored, TODAY)
    assert after == {"2025-W50", "2026-W40", "2027-W10"}
    assert rules.weeks_of_year(after, TODAY) == ["2026-W40", "2027-W10"]
    assert rules.weeks_after_change([], stored, TODAY) == {"2025-W50", "2026-W40"}


def test_weeks_body_normalises_sorts_and_names_the_field_when_wrong():
    assert parse(SchoolWeeksBody, {"weeks": ["2027-W3", "2026-W50", "2027-W03"]}).weeks == ["2026-W50", "2027-W03"]
    for wrong in ({"weeks": ["2026-W99"]}, {"weeks": ["semaine 3"]}, {"weeks": "2026-W50"}, {}):
        with pytest.raises(DomainError) as refused:
            parse(SchoolWeeksBody, wrong)
        assert (status_of(refused.value), refused.value.code, list(refused.value.fields)) == (
            422,
            "VALIDATION_ERROR",
            ["weeks"],
        )


def test_search_query_takes_empty_parameters_as_absent_and_a_point_whole():
    query = parse(SchoolSearchQuery, {"q": "", "latitude": "", "longitude": ""})
    assert (query.q, query.latitude, query.longitude, query.page, query.per_page) == (None, None, None, 1, 20)
    query = parse(SchoolSearchQuery, {"q": " claudel ", "latitude": "48.82", "longitude": "2.36", "per_page": "5"})
    assert (query.q, query.latitude, query.longitude, query.per_page) == ("claudel", 48.82, 2.36, 5)
    with pytest.raises(DomainError) as half:
        parse(SchoolSearchQuery, {"latitude": "48.82"})
    assert half.value.fields == {"longitude": ["Indiquez aussi la longitude."]}
    with pytest.raises(DomainError) as wrong:
        parse(SchoolSearchQuery, {"latitude": "nord", "per_page": "1000"})
    assert set(wrong.value.fields) == {"latitude", "per_page", "longitude"}
