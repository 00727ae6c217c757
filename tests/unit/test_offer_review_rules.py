"""Which published offers need their host's update, and why, on a fixed clock."""

from __future__ import annotations

from datetime import date

import pytest

from services.offers.catalogue import reason_to_update
from services.offers.models import Offer
from services.offers.review_rules import update_reason

pytestmark = pytest.mark.unit

# Monday 7 December 2026: school year 2026-2027 (its seconde weeks end on Friday 25 June 2027).
TODAY = date(2026, 12, 7)


def reason(
    *,
    school_year: int = 2026,
    college_weeks: str | list[str] | None = None,
    seconde_period: str | None = None,
    max_candidates: int = 3,
    approved_count: int = 0,
    today: date = TODAY,
) -> str | None:
    return update_reason(
        school_year=school_year,
        college_weeks=college_weeks,
        seconde_period=seconde_period,
        max_candidates=max_candidates,
        approved_count=approved_count,
        today=today,
    )


def test_an_offer_whose_weeks_are_all_over_needs_updating():
    assert reason(college_weeks=["2026-W48", "2026-W49"], today=date(2026, 12, 12)) == "past_weeks"


def test_an_offer_with_a_week_left_does_not():
    # 2026-W49's Friday is 4 December; 2026-W50 ends on Friday 11 December
    assert reason(college_weeks=["2026-W49", "2026-W50"]) is None
    assert reason(college_weeks=["2026-W50"], today=date(2026, 12, 11)) is None  # its last day is not over


def test_an_all_year_college_offer_is_never_past():
    assert reason(college_weeks="all_year", today=date(2027, 6, 30)) is None


def test_seconde_weeks_belong_to_the_offer_s_school_year():
    # 2026-2027's seconde weeks: 2027-W24 and 2027-W25 (Friday 25 June 2027)
    assert reason(seconde_period="two_weeks", today=date(2027, 6, 25)) is None
    assert reason(seconde_period="two_weeks", today=date(2027, 6, 26)) == "past_weeks"
    assert reason(seconde_period="week_1", today=date(2027, 6, 19)) == "past_weeks"
    # collège weeks gone, the seconde ones ahead: not past
    assert reason(college_weeks=["2026-W48"], seconde_period="week_2") is None


def test_an_offer_whose_seats_are_all_taken_needs_updating():
    assert reason(college_weeks="all_year", max_candidates=2, approved_count=2) == "no_seats_left"
    assert reason(college_weeks="all_year", max_candidates=2, approved_count=1) is None


def test_a_new_school_year_rolls_last_year_s_offers_over():
    # published for 2026-2027: due from 1 July 2027, all-year offers included
    assert reason(college_weeks="all_year", today=date(2027, 6, 30)) is None
    assert reason(college_weeks="all_year", today=date(2027, 7, 1)) == "previous_school_year"
    assert reason(school_year=2025, college_weeks="all_year") == "previous_school_year"


def test_the_previous_school_year_comes_first_then_past_weeks_then_seats():
    assert reason(school_year=2025, college_weeks=["2026-W02"], max_candidates=1, approved_count=1) == (
        "previous_school_year"
    )
    assert reason(college_weeks=["2026-W48"], max_candidates=1, approved_count=1) == "past_weeks"


def partner_offer(**values: object) -> Offer:
    """A partner's (API v2) offer as stored: no team, an operator; a seat is never taken (pupils
    apply on the partner's site)."""
    stored: dict[str, object] = {"team_id": None, "operator_id": 9, "max_candidates": 1, "approved_count": 0}
    return Offer(**{**stored, **values})


def test_a_partner_s_offer_is_reviewed_by_the_same_rules():
    # created in 2025-2026 for that year's seconde weeks (June 2026)
    last_year = partner_offer(school_year=2025, grades=["seconde"], seconde_period="two_weeks", college_weeks=None)
    assert reason_to_update(last_year, TODAY) == "previous_school_year"
    weeks = partner_offer(school_year=2026, grades=["troisieme"], college_weeks=["2026-W48", "2026-W49"])
    assert reason_to_update(weeks, TODAY) == "past_weeks"
    assert reason_to_update(weeks, date(2026, 12, 4)) is None  # Friday of 2026-W49: not over yet
    ahead = partner_offer(school_year=2026, grades=["seconde"], seconde_period="two_weeks", college_weeks=None)
    assert reason_to_update(ahead, TODAY) is None
