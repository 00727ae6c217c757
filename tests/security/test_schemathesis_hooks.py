"""What the fuzzer generates for the document's custom formats passes the validators, and the
pattern the document gives a text accepts exactly what the models accept: without a platform."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.common.contracts.formats import text_pattern
from services.common.identifiers import is_valid_siret, is_valid_uai, normalize_phone
from services.common.school_calendar import SchoolYear, Week, today_in_paris
from services.common.working_time import schedule_problems
from services.conventions.signature_images import parse_signature_image
from tests.security import schemathesis_hooks as hooks

pytestmark = pytest.mark.unit
FEW = settings(max_examples=30, deadline=None)


@FEW
@given(hooks._sirets())
def test_generated_sirets_pass_the_luhn_check(siret):
    assert is_valid_siret(siret)


@FEW
@given(hooks._uais())
def test_generated_uais_have_their_letter(uai):
    assert is_valid_uai(uai)


@FEW
@given(hooks._phones())
def test_generated_phones_are_french_numbers(phone):
    assert normalize_phone(phone) is not None


@FEW
@given(hooks._weeks())
def test_generated_weeks_are_weeks_of_the_school_year_to_come(text):
    if not hooks._UPCOMING:
        pytest.skip("June: no collège week is left to choose (the hooks send « all_year »)")
    today = today_in_paris()
    week = Week.parse(text)
    assert SchoolYear.current(today).is_college_week(week) and week.friday >= today


@FEW
@given(hooks._signature_images())
def test_generated_signatures_are_images_the_service_takes(data_url):
    assert parse_signature_image(data_url).mime in ("image/png", "image/jpeg")


@FEW
@given(st.lists(st.sampled_from(hooks._LAWFUL_DAYS), min_size=1, max_size=6))
def test_the_drawn_days_are_lawful_for_a_minor(days):
    week = dict(zip(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"), days, strict=False))
    assert schedule_problems(week) == []


class _Stripped(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    text: str = Field(min_length=3)


# Whitespace of every kind, NUL, and ordinary letters: the edges of the pattern.
_TEXTS = st.text(st.sampled_from(["a", "é", " ", "\t", "\n", "\x85", "\u3000", "\x1c", "\ufeff", "\x00"]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_the_documented_pattern_of_a_stripped_text_accepts_what_pydantic_accepts(text):
    try:
        _Stripped(text=text)
        accepted = "\x00" not in text  # NUL is refused after the model (``validation.parse``)
    except ValidationError:
        accepted = False
    assert bool(re.search(text_pattern(3, stripped=True), text)) == accepted
