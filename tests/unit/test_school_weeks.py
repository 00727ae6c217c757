"""The weeks the tests choose (tests/support/school_weeks.py) on the days of the year that
broke them: late May, June, the summer, the rentrée."""

from datetime import date

import pytest

from services.common.school_calendar import Week
from tests.support.school_weeks import NoWeekLeft, college_week, upcoming_college_weeks, upcoming_seconde_period

pytestmark = pytest.mark.unit


def test_the_last_weeks_not_begun_of_the_current_school_year():
    assert upcoming_college_weeks(2, date(2026, 12, 8)) == [Week(2027, 20), Week(2027, 21)]
    assert college_week(-2, date(2026, 12, 8)) == "2027-W20"
    # Thursday of 2027-W20: that week has begun, only the year's last one is left
    assert upcoming_college_weeks(1, date(2027, 5, 20)) == [Week(2027, 21)]
    with pytest.raises(NoWeekLeft, match="2 semaine"):
        upcoming_college_weeks(2, date(2027, 5, 20))
    for june in (date(2027, 5, 24), date(2027, 6, 15), date(2027, 6, 30)):
        with pytest.raises(NoWeekLeft, match="0 à venir"):
            college_week(-1, june)
    # from 1 July, the next school year's weeks; at the rentrée, its own
    assert upcoming_college_weeks(2, date(2027, 7, 1)) == [Week(2028, 20), Week(2028, 21)]
    assert college_week(-1, date(2027, 9, 1)) == "2028-W21"


def test_the_seconde_period_while_pupils_may_apply_and_while_hosts_may_publish():
    assert str(upcoming_seconde_period(date(2027, 6, 13)).week_1) == "2027-W24"
    with pytest.raises(NoWeekLeft):
        upcoming_seconde_period(date(2027, 6, 14))
    assert str(upcoming_seconde_period(date(2027, 6, 25), publishing=True).week_2) == "2027-W25"
    with pytest.raises(NoWeekLeft):
        upcoming_seconde_period(date(2027, 6, 26), publishing=True)
    assert str(upcoming_seconde_period(date(2027, 7, 1)).week_1) == "2028-W25"
