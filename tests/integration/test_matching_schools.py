"""The matching service in a real container: the schools directory and school weeks."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import pytest
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts.schools import SCHOOL_WEEKS_CHANGED
from services.common.errors import DomainError
from services.common.geography import distance_km
from services.common.school_calendar import SchoolYear, today_in_paris
from services.matching import import_schools
from services.matching.models import OutboxMessage, SchoolWeek
from services.matching.service import MatchingService
from tests.support.entrypoints import call
from tests.support.listener import Recorder, listens_to
from tests.support.offers import future_college_weeks as upcoming_weeks

pytestmark = pytest.mark.integration

CLAUDEL = "0752694W"  # Collège Camille Claudel, Paris 13e (REP)
GALOIS = "0753937X"  # Collège Évariste Galois, Paris 13e (REP, in a QPV)


class SchoolEventsListener(Recorder):
    name = "test_school_listener"
    received: ClassVar[list[dict[str, Any]]] = []

    @listens_to("matching", SCHOOL_WEEKS_CHANGED)
    def on_weeks_changed(self, event: dict[str, Any]) -> None:
        self.received.append(event)


def load_sample() -> None:
    import_schools.run(import_schools.SAMPLE, None, import_schools.SAMPLE_QPV)


@pytest.fixture
def matching(start_service):
    return start_service(MatchingService)


@pytest.fixture
def sample(env):
    load_sample()


def uais(answer: dict[str, Any]) -> list[str]:
    return [school["uai"] for school in answer["results"]]


def test_search_by_name_city_or_uai_ignores_accents_and_case(matching, sample):
    assert uais(call(matching, "search_schools", "evariste")) == [GALOIS]
    assert uais(call(matching, "search_schools", "ÉVARISTE galois")) == [GALOIS]
    assert uais(call(matching, "search_schools", "0752694w")) == [CLAUDEL]
    stains = call(matching, "search_schools", "stains")
    assert stains["total"] == 3 and {s["city"] for s in stains["results"]} == {"Stains"}
    assert uais(call(matching, "search_schools", "college paris")) == [CLAUDEL, GALOIS]  # by name
    assert call(matching, "search_schools", "lycée guist'hau")["results"][0]["uai"] == "0440024M"
    nothing = call(matching, "search_schools", "poudlard")
    assert nothing == {"results": [], "total": 0, "page": 1, "per_page": 20}
    everything = call(matching, "search_schools", None, None, None, 5, 2)
    assert (everything["total"], everything["page"], everything["per_page"], len(everything["results"])) == (
        21,
        2,
        5,
        5,
    )


def test_nearest_first_when_a_point_is_given(matching, sample):
    here = (48.8210, 2.3656)  # at Camille Claudel
    answer = call(matching, "search_schools", None, *here, 21)
    assert answer["total"] == 21
    assert answer["results"][0]["uai"] == CLAUDEL and answer["results"][0]["distance_km"] == 0.0
    distances = [school["distance_km"] for school in answer["results"]]
    assert distances == sorted(distances)
    every = call(matching, "search_schools", None, None, None, 100)["results"]
    expected = sorted(every, key=lambda s: distance_km(*here, s["latitude"], s["longitude"]))
    assert uais(answer) == [s["uai"] for s in expected]
    # The second page continues the first; the farthest is in La Réunion.
    second = call(matching, "search_schools", None, *here, 5, 2)
    assert uais(second) == uais(answer)[5:10]
    assert answer["results"][-1]["city"] == "Le Port" and answer["results"][-1]["distance_km"] > 9000
    # A query and a point: the matching schools only, nearest first.
    lycées = call(matching, "search_schools", "lycee", 45.76, 4.84, 3)
    assert [s["city"] for s in lycées["results"]] == ["Lyon", "Lyon", "Grenoble"]
    with pytest.raises(DomainError) as half:
        call(matching, "search_schools", None, 48.8, None)
    assert (status_of(half.value), list(half.value.fields)) == (422, ["longitude"])


def test_get_school_and_school_exists(matching, sample):
    assert call(matching, "get_school", "0752694w") == {
        "uai": CLAUDEL,
        "name": "Collège Camille Claudel",
        "kind": "college",
        "city": "Paris",
        "zipcode": "75013",
        "latitude": 48.820973,
        "longitude": 2.365605,
        "rep": "REP",
        "qpv": False,
    }
    assert call(matching, "get_school", GALOIS)["qpv"] is True
    assert call(matching, "get_school", "0932030B")["kind"] == "lycee"
    for unknown in ("0751710B", "nimportequoi"):  # a lycée professionnel is not in the directory
        with pytest.raises(DomainError) as missing:
            call(matching, "get_school", unknown)
        assert (status_of(missing.value), missing.value.code, missing.value.message) == (
            404,
            "NOT_FOUND",
            "Établissement introuvable.",
        )
    assert call(matching, "school_exists", CLAUDEL) is True
    assert call(matching, "school_exists", "0751710B") is False


def test_an_import_made_while_the_service_runs_is_served_within_5_seconds(matching, env):
    assert call(matching, "search_schools", "claudel")["total"] == 0
    load_sample()
    imported = time.monotonic()
    while True:
        try:
            school = call(matching, "get_school", CLAUDEL)
            break
        except DomainError:
            assert time.monotonic() - imported < 5, "the imported school was not served within 5 s"
            time.sleep(0.1)
    assert school["name"] == "Collège Camille Claudel"
    assert uais(call(matching, "search_schools", "claudel")) == [CLAUDEL]
    assert time.monotonic() - imported < 5


def staff(role: str = "school_manager", school_uai: str | None = CLAUDEL, user_id: int = 41) -> dict[str, Any]:
    # A teacher as the gateway passes them once their head of school has confirmed them.
    return {"user_id": user_id, "role": role, "team_id": None, "school_uai": school_uai, "school_confirmed": True}


def test_the_schools_staff_chooses_its_weeks_and_matching_tells_it(matching, sample, start_service, databases):
    SchoolEventsListener.received.clear()
    listener = start_service(SchoolEventsListener)
    weeks = upcoming_weeks(3)
    assert call(matching, "get_school_weeks", CLAUDEL) == {"weeks": []}

    with entrypoint_waiter(listener, "on_weeks_changed", timeout=10):
        answer = call(matching, "set_school_weeks", staff(), CLAUDEL, [weeks[2], weeks[0]])
    assert answer == {"weeks": [weeks[0], weeks[2]]}
    [event] = SchoolEventsListener.received
    assert event["data"] == {"uai": CLAUDEL, "weeks": [weeks[0], weeks[2]]}
    assert call(matching, "get_school_weeks", CLAUDEL) == {"weeks": [weeks[0], weeks[2]]}

    # A teacher of the school replaces the choice: the PUT is the whole set of upcoming weeks.
    with entrypoint_waiter(listener, "on_weeks_changed", timeout=10):
        answer = call(matching, "set_school_weeks", staff("teacher", user_id=42), CLAUDEL, [weeks[1]])
    assert answer == {"weeks": [weeks[1]]}
    assert SchoolEventsListener.received[-1]["data"]["weeks"] == [weeks[1]]
    with Session(databases.engine("matching")) as db:
        [row] = db.scalars(select(SchoolWeek)).all()
        assert (row.uai, row.week, row.set_by) == (CLAUDEL, weeks[1], 42)
        # The same choice again changes nothing and tells nobody.
        call(matching, "set_school_weeks", staff(), CLAUDEL, [weeks[1]])
        events = db.scalar(select(func.count()).select_from(OutboxMessage))
        assert events == 2


@pytest.mark.parametrize(
    "actor",
    [
        {"user_id": 1, "role": "employer", "team_id": 3, "school_uai": None},
        staff(school_uai=GALOIS),
        staff("teacher", school_uai=GALOIS),
        staff("student"),
        staff(school_uai=None),
    ],
    ids=["employer", "another-schools-manager", "another-schools-teacher", "pupil", "no-school"],
)
def test_only_that_schools_staff_may_choose_its_weeks(matching, sample, databases, actor):
    with pytest.raises(DomainError) as refused:
        call(matching, "set_school_weeks", actor, CLAUDEL, upcoming_weeks(1))
    assert (status_of(refused.value), refused.value.code) == (403, "FORBIDDEN")
    with Session(databases.engine("matching")) as db:
        assert db.scalar(select(func.count()).select_from(SchoolWeek)) == 0


def test_a_teacher_not_yet_confirmed_by_the_head_of_school_does_not_choose_its_weeks(matching, sample, databases):
    pending = {**staff("teacher"), "school_confirmed": False}
    with pytest.raises(DomainError) as refused:
        call(matching, "set_school_weeks", pending, CLAUDEL, upcoming_weeks(1))
    assert (status_of(refused.value), refused.value.code) == (403, "TEACHER_NOT_CONFIRMED")
    with Session(databases.engine("matching")) as db:
        assert db.scalar(select(func.count()).select_from(SchoolWeek)) == 0
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_weeks_must_be_upcoming_collège_weeks_of_this_school_year(matching, sample, databases):
    year = SchoolYear.current(today_in_paris())
    seconde = str(year.seconde.week_1)
    next_year = str(SchoolYear(year.start_year + 1).first_college_week)
    for weeks, message in (
        ([seconde], f"La semaine {seconde} n'est pas une semaine de collège"),
        ([next_year], f"La semaine {next_year} n'est pas une semaine de collège"),
        (["2026-W99"], "La semaine 99 n'existe pas en 2026."),
        (["la rentrée"], "Semaine invalide"),
    ):
        with pytest.raises(DomainError) as refused:
            call(matching, "set_school_weeks", staff(), CLAUDEL, [*upcoming_weeks(1), *weeks])
        assert (status_of(refused.value), refused.value.code, list(refused.value.fields)) == (
            422,
            "VALIDATION_ERROR",
            ["weeks"],
        )
        assert refused.value.fields["weeks"][0].startswith(message)
    past = [w for w in year.college_weeks() if w.friday < today_in_paris()]
    if past:
        with pytest.raises(DomainError) as over:
            call(matching, "set_school_weeks", staff(), CLAUDEL, [str(past[-1])])
        assert over.value.fields == {"weeks": [f"La semaine {past[-1]} est passée."]}
    with Session(databases.engine("matching")) as db:
        assert db.scalar(select(func.count()).select_from(SchoolWeek)) == 0
    # Staff of a school the directory does not know: 404, as for anybody asking about it.
    with pytest.raises(DomainError) as unknown:
        call(matching, "set_school_weeks", staff(school_uai="0751710B"), "0751710B", upcoming_weeks(1))
    assert (status_of(unknown.value), unknown.value.message) == (404, "Établissement introuvable.")
    with pytest.raises(DomainError) as unknown:
        call(matching, "get_school_weeks", "0751710B")
    assert status_of(unknown.value) == 404
