import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.school_calendar import SchoolYear, SecondePeriod, Week, french_date

pytestmark = pytest.mark.unit

years = st.integers(min_value=2000, max_value=2100)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def test_the_facts_of_design_md():
    year = SchoolYear.current(date(2026, 11, 29))
    assert year.start_year == 2026
    assert str(year.first_college_week) == "2026-W36"
    assert year.last_college_week.friday == date(2027, 5, 28)
    assert (str(year.seconde.week_1), str(year.seconde.week_2)) == ("2027-W24", "2027-W25")
    assert (year.seconde.week_1.monday, year.seconde.week_2.friday) == (date(2027, 6, 14), date(2027, 6, 25))
    june_2026 = SecondePeriod(2026)
    assert (str(june_2026.week_1), str(june_2026.week_2)) == ("2026-W25", "2026-W26")
    assert june_2026.label("two_weeks") == "stage de 2 semaines (du 15 au 26 juin 2026)"
    assert june_2026.label("week_1") == "stage d'une semaine (du 15 au 19 juin 2026)"


def test_the_national_platforms_school_years():
    # date_start / date_end of the partner API samples for 2023-2024, weeks of 2024-2025
    assert SchoolYear(2023).first_college_week.monday == date(2023, 9, 4)
    assert SchoolYear(2023).last_college_week.friday == date(2024, 5, 31)
    assert (str(SchoolYear(2024).first_college_week), str(SchoolYear(2024).last_college_week)) == (
        "2024-W36",
        "2025-W22",
    )


@given(years)
def test_seconde_period_is_two_consecutive_weeks_ending_on_the_last_friday_of_june(year):
    period = SecondePeriod(year)
    last_friday = period.week_2.friday
    assert last_friday.weekday() == 4 and last_friday.month == 6
    assert (last_friday + timedelta(days=7)).month == 7
    assert period.week_1.next() == period.week_2
    assert period.weeks("two_weeks") == [period.week_1, period.week_2]


@given(years)
def test_college_weeks_run_from_the_rentree_to_the_last_friday_before_june(year):
    school_year = SchoolYear(year)
    weeks = school_year.college_weeks()
    thursday = weeks[0].monday + timedelta(days=3)
    assert thursday.month == 9 and (thursday - timedelta(days=7)).month == 8
    assert weeks[-1].friday < date(year + 1, 6, 1) <= weeks[-1].friday + timedelta(days=7)
    assert all(b == a.next() for a, b in itertools.pairwise(weeks))
    assert 36 <= len(weeks) <= 40


@given(days)
def test_the_current_school_year_contains_today_or_starts_next(today):
    year = SchoolYear.current(today)
    assert date(year.start_year, 7, 1) <= today < date(year.start_year + 1, 7, 1)


@given(days)
def test_a_week_round_trips_through_its_text(day):
    week = Week.of(day)
    assert Week.parse(str(week)) == week == Week.parse(week.unpadded())
    assert week.monday <= day <= week.monday + timedelta(days=6)


@pytest.mark.parametrize("text", ["2026-W54", "2026-W00", "2026W03", "semaine 3", "2026-W3a"])
def test_invalid_weeks_are_refused(text):
    with pytest.raises(ValueError):
        Week.parse(text)


def test_french_dates():
    assert french_date(date(2026, 6, 1)) == "1er juin 2026"
    assert french_date(date(2027, 8, 15), with_year=False) == "15 août"
