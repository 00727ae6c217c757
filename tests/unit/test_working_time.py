"""Working time of minors in an offer's or a convention's schedule (no broker, no database)."""

from __future__ import annotations

import pytest

from services.common.working_time import (
    day_schedule,
    duration_label,
    normalize_time,
    schedule_problems,
    weekly_minutes,
    worked_minutes,
)

pytestmark = pytest.mark.unit

WEEK = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")


def test_a_lawful_week():
    hours = {day: ["09:00", "12:00", "13:00", "16:30"] for day in WEEK}
    assert schedule_problems(hours) == []
    assert worked_minutes(hours["lundi"]) == 390


def test_more_than_seven_hours_a_day():
    problems = schedule_problems({"lundi": ["08:00", "12:00", "13:00", "16:30"]})
    assert any("7 h" in problem and "lundi" in problem for problem in problems)


def test_more_than_thirty_five_hours_a_week():
    hours = {day: ["08:30", "12:00", "13:00", "16:30"] for day in (*WEEK, "samedi")}
    assert any("35 h" in problem for problem in schedule_problems(hours))


def test_no_night_work():
    assert any("nuit" in problem for problem in schedule_problems({"mardi": ["05:30", "09:00"]}))
    assert any("nuit" in problem for problem in schedule_problems({"mardi": ["17:00", "20:30"]}))


def test_a_break_after_four_and_a_half_hours():
    assert any("pause" in problem for problem in schedule_problems({"jeudi": ["08:00", "13:00"]}))
    assert any(
        "30 minutes" in problem for problem in schedule_problems({"jeudi": ["08:00", "12:00", "12:15", "15:00"]})
    )
    assert schedule_problems({"jeudi": ["08:00", "12:30"]}) == []


def test_labels():
    assert duration_label(420) == "7 h"
    assert duration_label(570) == "9 h 30"


def test_a_days_times_are_normalized_and_in_order():
    assert normalize_time(" 9:05") == "09:05"
    with pytest.raises(ValueError, match="heure invalide"):
        normalize_time("24:00")
    assert day_schedule("lundi", ["9:00", "12:00", "13:30", "16:30"]) == ["09:00", "12:00", "13:30", "16:30"]
    with pytest.raises(ValueError, match="l'heure de départ doit suivre"):
        day_schedule("lundi", ["17:00", "09:00"])
    with pytest.raises(ValueError, match="doivent se suivre"):
        day_schedule("mardi", ["09:00", "12:00", "12:00", "16:30"])
    with pytest.raises(ValueError, match=r"\[arrivée, départ\]"):
        day_schedule("mardi", ["09:00"])


def test_the_week_is_summed_without_the_breaks():
    hours = {day: ["09:00", "12:00", "13:30", "16:30"] for day in WEEK}
    assert weekly_minutes(hours) == 30 * 60
    assert duration_label(weekly_minutes({**hours, "samedi": ["09:00", "10:30"]})) == "31 h 30"
    assert weekly_minutes({}) == 0
