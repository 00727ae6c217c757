"""The weeks a pupil may apply for, and how « Mes candidatures » words an application."""

from __future__ import annotations

from datetime import date

from gateway.pupil_pages import application_card, hours_text, weeks_for
from services.common.school_calendar import SchoolYear

TODAY = date(2026, 11, 4)  # a Wednesday of 2026-W45
YEAR = SchoolYear.current(TODAY)


def preview(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "grades": ["troisieme", "quatrieme"],
        "college_weeks": ["2026-W45", "2026-W46", "2027-W03"],
        "weeks": ["2026-W45", "2026-W46", "2027-W03"],
        "seconde_label": None,
    }
    return {**base, **changes}


def test_a_collegian_chooses_among_the_offers_weeks_that_have_not_begun():
    offer = weeks_for(preview(), "troisieme", TODAY)
    assert [week for week, _ in offer.choices] == ["2026-W46", "2027-W03"]
    assert offer.choices[0][1] == "Semaine du 9 au 13 novembre 2026"
    assert not offer.fixed and not offer.problem


def test_an_all_year_offer_proposes_every_collège_week_to_come():
    offer = weeks_for(preview(college_weeks="all_year"), "quatrieme", TODAY)
    weeks = [week for week, _ in offer.choices]
    assert weeks[0] == "2026-W46" and weeks[-1] == str(YEAR.last_college_week)
    assert len(weeks) == len([week for week in YEAR.college_weeks() if week.monday > TODAY])


def test_a_seconde_pupil_asks_for_the_whole_period():
    seconde = [str(week) for week in YEAR.seconde.weeks("two_weeks")]
    label = YEAR.seconde.label("two_weeks")
    offer = weeks_for(
        preview(grades=["seconde"], college_weeks=None, weeks=seconde, seconde_label=label), "seconde", TODAY
    )
    assert offer.fixed == seconde and offer.fixed_label == label and not offer.choices
    both = preview(
        grades=["troisieme", "seconde"], college_weeks=["2027-W03"], weeks=["2027-W03", *seconde], seconde_label=label
    )
    assert weeks_for(both, "seconde", TODAY).fixed == seconde
    assert [week for week, _ in weeks_for(both, "troisieme", TODAY).choices] == ["2027-W03"]


def test_no_weeks_when_the_offer_is_not_for_the_pupil_or_is_over():
    assert weeks_for(preview(), "seconde", TODAY).problem == "Cette offre ne s'adresse pas à votre niveau."
    assert weeks_for(preview(), None, TODAY).problem
    over = weeks_for(preview(college_weeks=["2026-W44", "2026-W45"]), "troisieme", TODAY)
    assert over.problem == "Toutes les semaines de cette offre ont déjà commencé." and not over.choices


def test_hours_of_a_day_with_and_without_a_break():
    assert hours_text(["08:00", "12:00", "13:30", "17:00"]) == "08:00 – 12:00 et 13:30 – 17:00"
    assert hours_text(["08:00", "12:00"]) == "08:00 – 12:00"


def application(status: str, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 7,
        "offer_id": 3,
        "offer_title": "Atelier vélo",
        "employer_name": "Vélo Cité",
        "city": "Paris",
        "weeks": ["2027-W03"],
        "created_at": "2026-11-03T23:30:00+00:00",
        "status": status,
        "reason": None,
    }
    return {**base, **changes}


def test_an_application_as_the_pupil_reads_it():
    sent = application_card(application("submitted"))
    assert (sent["status_label"], sent["may_cancel"], sent["may_confirm"]) == ("envoyée", True, False)
    assert sent["weeks"] == "du 18 au 22 janvier 2027" and sent["sent"] == "4 novembre 2026"  # Paris time
    accepted = application_card(application("validated"))
    assert (accepted["status_label"], accepted["may_confirm"]) == ("acceptée par l'organisme", True)
    refused = application_card(application("rejected", reason="Plus de tuteur disponible."))
    assert (refused["status_label"], refused["reason"], refused["may_cancel"]) == (
        "refusée",
        "Plus de tuteur disponible.",
        False,
    )
    assert application_card(application("approved"))["status_label"] == "confirmée"
