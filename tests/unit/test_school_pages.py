"""The school pages' plain part: the weeks calendar by month, the seconde period in words, the
school's part of a convention from its form."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from gateway.school_convention_pages import birth_date_from_form, school_facts, school_part_from_form, school_values
from gateway.school_week_pages import month_of, seconde_period_text, weeks_by_month, weeks_errors
from services.common.errors import DomainError
from services.common.school_calendar import Week

pytestmark = pytest.mark.unit

DECEMBER = date(2026, 12, 9)  # a Wednesday of the 2026-2027 school year


def test_the_calendar_is_the_years_collège_weeks_month_by_month_past_ones_not_tickable():
    months = weeks_by_month(DECEMBER, ["2026-W37", "2027-W03"])
    assert [month.title for month in months] == [
        "septembre 2026",
        "octobre 2026",
        "novembre 2026",
        "décembre 2026",
        "janvier 2027",
        "février 2027",
        "mars 2027",
        "avril 2027",
        "mai 2027",
    ]
    september = months[0].weeks
    assert september[0].week == "2026-W36" and september[0].label == "Semaine du 31 août au 4 septembre 2026"
    assert september[0].past and not september[0].chosen
    assert september[1].chosen and september[1].past  # chosen before: shown ticked, not tickable
    this_week = next(box for month in months for box in month.weeks if box.week == "2026-W50")
    assert not this_week.past  # its Friday is to come
    assert next(box for box in months[4].weeks if box.week == "2027-W03").chosen
    assert months[-1].weeks[-1].week == "2027-W21"


def test_a_week_belongs_to_the_month_of_most_of_its_days():
    assert month_of(Week.parse("2026-W40")) == "septembre 2026"  # 28 septembre – 2 octobre: 3 days in September
    assert month_of(Week.parse("2026-W49")) == "décembre 2026"  # 30 novembre – 4 décembre: 4 days in December
    assert month_of(Week.parse("2026-W44")) == "octobre 2026"  # 26 – 30 octobre


def test_the_seconde_period_in_words():
    assert seconde_period_text(DECEMBER) == "du 14 au 25 juin 2027 (semaines 2027-W24 et 2027-W25)"


def test_a_refused_week_is_said_at_the_calendar():
    refusal = DomainError("VALIDATION_ERROR", "x", fields={"weeks.1": ["Semaine invalide : 'x'."]})
    errors = weeks_errors(refusal)
    assert dict(errors) == {"weeks": ["Semaine invalide : 'x'."]} and errors.message


def test_the_school_part_from_its_form():
    form = MultiDict({"student_birth_date": "4/3/2012", "student_class": " 3e B ", "referent_teacher_email": ""})
    patch, values = school_part_from_form(form)
    assert patch["student_birth_date"] == "2012-03-04" and patch["student_class"] == "3e B"
    assert patch["referent_teacher_email"] is None and values["referent_teacher_email"] == ""
    assert birth_date_from_form("2012-03-14") == "2012-03-14"
    assert birth_date_from_form("14 mars") == "14 mars"  # the service names the problem
    assert school_values({"legal_representative_phone": "+33698765432"})["legal_representative_phone"] == (
        "06 98 76 54 32"
    )


def test_the_school_part_as_read_once_validated():
    facts = dict(school_facts({"student_birth_date": "2012-03-01", "student_class": "3e B"}))
    assert facts["Date de naissance de l'élève"] == "1er mars 2012"
    assert (facts["Classe"], facts["Représentant légal"]) == ("3e B", "Non renseigné")
