from datetime import date

import pytest

from services.common.contracts.offers import OfferBody
from services.common.errors import DomainError
from services.common.validation import parse
from services.offers.rules import offer_problems, open_weeks
from tests.support.offers import offer_body

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 29)


def body(**changes):
    return parse(OfferBody, offer_body(**changes))


def fields_of(data):
    with pytest.raises(DomainError) as caught:
        parse(OfferBody, data)
    return caught.value.fields


def test_a_complete_offer_is_valid():
    assert offer_problems(body(college_weeks=["2027-W03", "2027-W10"]), TODAY) == {}


def test_limits_of_design_md_name_each_field():
    fields = fields_of(
        offer_body(
            title="x" * 151,
            description="court",
            sector="s52",
            max_candidates=0,
            lunch_break="midi",
            workspace_conditions="bruit",
            employer={**offer_body()["employer"], "siret": "73282932000075"},
            place={**offer_body()["place"], "zipcode": "6900"},
        )
    )
    assert set(fields) == {
        "title",
        "description",
        "sector",
        "max_candidates",
        "lunch_break",
        "workspace_conditions",
        "employer.siret",
        "place.zipcode",
    }
    assert fields["employer.siret"] == ["SIRET invalide (14 chiffres, clé de contrôle incorrecte)."]
    assert fields_of(offer_body(max_candidates=6001))["max_candidates"]


def test_daily_hours_accept_single_digit_hours_and_refuse_reversed_spans():
    assert body(daily_hours={"lundi": ["9:00", "17:00"]}).daily_hours == {"lundi": ["09:00", "17:00"]}
    assert "daily_hours" in fields_of(offer_body(daily_hours={"lundi": ["17:00", "09:00"]}))
    assert "daily_hours.dimanche" in fields_of(offer_body(daily_hours={"dimanche": ["09:00", "12:00"]}))


def test_college_weeks_must_be_in_this_school_year_and_ahead():
    problems = offer_problems(body(college_weeks=["2026-W40", "2027-W30"]), TODAY)
    assert problems["college_weeks"] == [
        "La semaine 2026-W40 est passée.",
        "La semaine 2027-W30 n'est pas dans l'année scolaire 2026-2027 (de 2026-W36 à 2027-W21).",
    ]
    assert "college_weeks" in fields_of(offer_body(college_weeks=["2027-semaine-3"]))
    assert offer_problems(body(college_weeks=[]), TODAY)["college_weeks"]


def test_grades_and_periods_go_together():
    seconde_without_period = offer_problems(body(grades=["seconde"], college_weeks=None), TODAY)
    assert list(seconde_without_period) == ["seconde_period"]
    college_without_weeks = offer_problems(body(college_weeks=None), TODAY)
    assert list(college_without_weeks) == ["college_weeks"]
    both = body(grades=["troisieme", "seconde"], seconde_period="week_2", college_weeks="all_year")
    assert offer_problems(both, TODAY) == {}
    period_for_college = offer_problems(body(seconde_period="two_weeks"), TODAY)
    assert list(period_for_college) == ["seconde_period"]


def test_reservations_match_the_public_aimed_at():
    problems = offer_problems(body(reserved_for={"rep": True, "qpv": True, "school_uai": None}), TODAY)
    assert set(problems) == {"reserved_for", "reserved_for.qpv"}
    assert offer_problems(body(reserved_for={"rep": True, "qpv": False, "school_uai": None}), TODAY) == {}
    assert "reserved_for.school_uai" in fields_of(offer_body(reserved_for={"school_uai": "0752694X"}))


def test_seats_never_below_approved_pupils():
    assert "max_candidates" in offer_problems(body(max_candidates=2), TODAY, approved=3)
    assert offer_problems(body(max_candidates=3), TODAY, approved=3) == {}


def test_open_weeks_of_an_all_year_offer_start_this_week():
    college, seconde = open_weeks("all_year", "week_1", TODAY)
    # 29 November 2026 is a Sunday: this week's Friday has passed, the next week opens the list
    assert college[0] == "2026-W49" and college[-1] == "2027-W21"
    assert seconde == ["2027-W24"]
