from datetime import date

import pytest

from services.common.contracts.offers import OfferBody
from services.common.errors import DomainError
from services.common.reservations import Audience, admits
from services.common.validation import parse
from services.offers.rules import hours_problems, is_past, offer_problems, open_weeks
from tests.support.offers import offer_body

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 29)
WEEK = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


def body(**changes):
    return parse(OfferBody, offer_body(today=TODAY, **changes))


def fields_of(data):
    with pytest.raises(DomainError) as caught:
        parse(OfferBody, data)
    return caught.value.fields


def test_a_complete_offer_is_valid():
    assert offer_problems(body(college_weeks=["2027-W03", "2027-W10"]), TODAY) == {}


def test_limits_of_design_md_name_each_field():
    fields = fields_of(
        offer_body(
            today=TODAY,
            title="x" * 151,
            description="court",
            sector="s52",
            max_candidates=0,
            lunch_break="midi",
            workspace_conditions="bruit",
            employer={**offer_body(today=TODAY)["employer"], "siret": "73282932000075"},
            place={**offer_body(today=TODAY)["place"], "zipcode": "6900"},
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
    assert fields_of(offer_body(today=TODAY, max_candidates=6001))["max_candidates"]


def test_daily_hours_accept_single_digit_hours_and_refuse_reversed_spans():
    assert body(daily_hours={"lundi": ["9:00", "17:00"]}).daily_hours == {"lundi": ["09:00", "17:00"]}
    assert "daily_hours" in fields_of(offer_body(today=TODAY, daily_hours={"lundi": ["17:00", "09:00"]}))
    assert "daily_hours.dimanche" in fields_of(offer_body(today=TODAY, daily_hours={"dimanche": ["09:00", "12:00"]}))


def test_college_weeks_must_be_in_this_school_year_and_ahead():
    problems = offer_problems(body(college_weeks=["2026-W40", "2027-W30"]), TODAY)
    assert problems["college_weeks"] == [
        "La semaine 2026-W40 est passée.",
        "La semaine 2027-W30 n'est pas dans l'année scolaire 2026-2027 (de 2026-W36 à 2027-W21).",
    ]
    assert "college_weeks" in fields_of(offer_body(today=TODAY, college_weeks=["2027-semaine-3"]))
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
    assert "reserved_for.school_uai" in fields_of(offer_body(today=TODAY, reserved_for={"school_uai": "0752694X"}))


def test_seats_never_below_approved_pupils():
    assert "max_candidates" in offer_problems(body(max_candidates=2), TODAY, approved=3)
    assert offer_problems(body(max_candidates=3), TODAY, approved=3) == {}


def test_open_weeks_of_an_all_year_offer_start_this_week():
    college, seconde = open_weeks("all_year", "week_1", TODAY)
    # 29 November 2026 is a Sunday: this week's Friday has passed, the next week opens the list
    assert college[0] == "2026-W49" and college[-1] == "2027-W21"
    assert seconde == ["2027-W24"]


def test_a_day_is_two_or_four_times_in_order():
    assert body(daily_hours={"lundi": ["9:00", "12:00", "13:30", "16:30"]}).daily_hours == {
        "lundi": ["09:00", "12:00", "13:30", "16:30"]
    }
    assert fields_of(offer_body(today=TODAY, daily_hours={"lundi": ["09:00", "12:00", "11:00", "16:30"]})) == {
        "daily_hours": ["lundi : les heures doivent se suivre dans la journée."]
    }
    assert "daily_hours" in fields_of(offer_body(today=TODAY, daily_hours={"lundi": ["09:00", "12:00", "16:30"]}))
    assert "daily_hours" in fields_of(offer_body(today=TODAY, daily_hours={}))


def test_hosts_offers_keep_to_the_working_time_of_minors():
    assert hours_problems(body(daily_hours={day: ["09:00", "12:00", "13:30", "16:30"] for day in WEEK})) == {}
    too_long = hours_problems(body(daily_hours={"lundi": ["08:00", "17:00"]}))
    assert too_long == {
        "daily_hours": [
            "lundi : 9 h de présence, au-delà de 7 h par jour.",
            "lundi : une pause d'au moins 30 minutes est due après 4 h 30 de présence.",
        ]
    }
    assert "nuit" in hours_problems(body(daily_hours={"mardi": ["14:00", "16:00", "16:30", "20:30"]}))["daily_hours"][0]
    week = hours_problems(body(daily_hours={day: ["08:00", "12:00", "13:00", "16:00"] for day in (*WEEK, "samedi")}))
    assert week == {"daily_hours": ["42 h de présence dans la semaine, au-delà de 35 h."]}


def test_an_offer_is_past_once_every_week_it_opens_is_over():
    # 29 November 2026 is a Sunday: week 2026-W48 is over, 2026-W49 to come.
    assert is_past(["2026-W40", "2026-W48"], None, TODAY)
    assert not is_past(["2026-W40", "2026-W49"], None, TODAY)
    assert not is_past("all_year", None, TODAY)
    assert not is_past(None, "week_1", TODAY)
    assert not is_past(["2026-W40"], "two_weeks", TODAY)
    # Late June: the seconde weeks are over; from July on, the next school year's are ahead.
    assert is_past(None, "week_1", date(2027, 6, 26)) and not is_past(None, "week_2", date(2027, 6, 25))
    assert not is_past(None, "two_weeks", date(2027, 7, 1))
    assert not is_past("all_year", "week_1", date(2027, 6, 28))


def test_an_offer_is_reserved_to_a_list_of_schools():
    one = body(reserved_for={"school_uai": "0752694w"}).reserved_for
    assert (one.school_uai, one.school_uais) == ("0752694W", ["0752694W"])
    several = body(reserved_for={"school_uais": ["0753937X", "0752694W", "0753937x"]}).reserved_for
    assert (several.school_uai, several.school_uais) == ("0753937X", ["0753937X", "0752694W"])
    agreeing = body(reserved_for={"school_uai": "0752694W", "school_uais": ["0753937X", "0752694W"]}).reserved_for
    assert (agreeing.school_uai, agreeing.school_uais) == ("0753937X", ["0753937X", "0752694W"])
    none = body(reserved_for={"school_uai": None, "school_uais": []}).reserved_for
    assert (none.school_uai, none.school_uais) == (None, [])
    assert fields_of(offer_body(today=TODAY, reserved_for={"school_uais": ["0752694W", "0752694X"]})) == {
        "reserved_for.school_uais": ["Code UAI invalide (7 chiffres et une lettre de contrôle) : 0752694X."]
    }
    assert list(
        fields_of(offer_body(today=TODAY, reserved_for={"school_uai": "0131260Z", "school_uais": ["0752694W"]}))
    ) == ["reserved_for.school_uai"]
    many = [f"{number:07d}{'ABCDEFGHJKLMNPRSTUVWXYZ'[number % 23]}" for number in range(1, 52)]
    assert fields_of(offer_body(today=TODAY, reserved_for={"school_uais": many})) == {
        "reserved_for.school_uais": ["Au plus 50 établissements par offre."]
    }
    assert body(reserved_for={"school_uais": many[:50] + many[:10]}).reserved_for.school_uais == many[:50]
    problems = offer_problems(body(reserved_for={"rep": True, "school_uais": ["0752694W"]}), TODAY)
    only_one = "Une offre est réservée au plus à un public : REP, QPV ou des établissements."
    assert problems == {"reserved_for": [only_one]}


def test_the_reservation_rule_admits_a_pupil_of_any_listed_school():
    schools = ["0753937X", "0752694W"]
    assert admits(Audience(school_uai="0752694W"), False, False, schools)
    assert not admits(Audience(school_uai="0131260Z", rep=True), False, False, schools)
    assert not admits(Audience(), False, False, schools)
    assert admits(Audience(), False, False, [])
    assert not admits(Audience(school_uai="0752694W"), True, False, [])
    assert admits(Audience(school_uai="0752694W", rep=True), True, False, [])
