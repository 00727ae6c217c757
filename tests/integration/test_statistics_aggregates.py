"""The administrators' figures, counted where the data lives: ``offers.offer_statistics``
(published offers and seats by department and grade, reservations) and
``conventions.convention_statistics`` (applications and conventions by status), each one
GROUP BY query, for the whole country or some departments.

identity, matching, offers and conventions run in real containers on the real broker and
database (SQLite or PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from services.common.database import create_service_engine
from services.common.school_calendar import SchoolYear, today_in_paris
from services.conventions import statistics as convention_figures
from services.offers import statistics as offer_figures
from services.offers.models import Offer
from tests.support.conventions import actor, application_body, call, signup
from tests.support.offer_services import start_application_services
from tests.support.offers import offer_body

pytestmark = pytest.mark.integration

SAINT_DENIS = {
    "street": "1 place Victor Hugo",
    "zipcode": "93200",
    "city": "Saint-Denis",
    "latitude": 48.936,
    "longitude": 2.357,
}
AJACCIO = {"street": "2 cours Napoléon", "zipcode": "20000", "city": "Ajaccio", "latitude": 41.919, "longitude": 8.738}
BASTIA = {"street": "3 boulevard Paoli", "zipcode": "20200", "city": "Bastia", "latitude": 42.700, "longitude": 9.450}
SECONDE = {"grades": ["seconde"], "seconde_period": "week_1", "college_weeks": None}
NO_APPLICATION = {
    "submitted": 0, "read": 0, "validated": 0, "approved": 0, "rejected": 0, "cancelled": 0, "expired": 0,
}  # fmt: skip
NO_CONVENTION = {
    "draft": 0, "completed_by_employer": 0, "ready_to_sign": 0, "signatures_started": 0, "signed_by_all": 0,
    "cancelled": 0,
}  # fmt: skip


@pytest.fixture
def platform(start_service: Callable[..., Any]) -> tuple[Any, Any, Any]:
    return start_application_services(start_service)


def publish(offers: Any, host: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return call(offers, "create_offer", actor(host), offer_body(**changes))


def grouped_queries(url: str, run: Callable[[Session], Any], queries: int) -> Any:
    """``run``'s answer, and a check that it asked the database ``queries`` queries, each grouped."""
    engine = create_service_engine(url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        answer = run(session)
    engine.dispose()
    assert [statement.count("GROUP BY") for statement in statements] == [1] * queries
    return answer


def test_offers_by_department_grade_and_reservation(platform, databases):
    identity, offers, _ = platform
    host = signup(identity, "employer")
    year = SchoolYear.current(today_in_paris())
    publish(offers, host, max_candidates=3)  # Lyon 69004, 4e and 3e
    publish(offers, host, max_candidates=5, reserved_for={"rep": True, "qpv": False, "school_uai": None})
    publish(
        offers,
        host,
        place=SAINT_DENIS,
        max_candidates=2,
        reserved_for={"rep": False, "qpv": True, "school_uai": None},
        **SECONDE,
    )
    publish(
        offers,
        host,
        place=SAINT_DENIS,
        max_candidates=1,
        grades=["troisieme"],
        reserved_for={"rep": False, "qpv": False, "school_uai": "0752694W"},
    )
    publish(offers, host, place=AJACCIO, max_candidates=4, grades=["troisieme"])
    publish(offers, host, place=BASTIA, max_candidates=6, **SECONDE)
    # Not counted: unpublished, deleted, and published during the previous school year.
    hidden = publish(offers, host, max_candidates=50)
    call(offers, "unpublish_offer", actor(host), hidden["id"])
    deleted = publish(offers, host, max_candidates=60)
    call(offers, "delete_offer", actor(host), deleted["id"])
    old = publish(offers, host, max_candidates=70)
    engine = create_service_engine(databases.urls["offers"])
    with Session(engine) as session:
        start, _ = year.span_utc()
        session.execute(update(Offer).where(Offer.id == old["id"]).values(published_at=start - timedelta(days=1)))
        session.commit()
    engine.dispose()

    figures = call(offers, "offer_statistics", None)
    assert figures["school_year"] == year.label
    by_department = {item["department"]: item for item in figures["departments"]}
    assert list(by_department) == ["2A", "2B", "69", "93"]
    lyon = by_department["69"]
    assert (lyon["offers"], lyon["seats"]) == (2, 8)
    assert lyon["by_grade"] == {
        "quatrieme": {"offers": 2, "seats": 8},
        "troisieme": {"offers": 2, "seats": 8},
        "seconde": {"offers": 0, "seats": 0},
    }
    assert [lyon[key] for key in ("reserved_rep", "reserved_qpv", "reserved_schools", "reserved_any")] == [1, 0, 0, 1]
    seine_saint_denis = by_department["93"]
    assert (seine_saint_denis["offers"], seine_saint_denis["seats"]) == (2, 3)
    assert seine_saint_denis["by_grade"]["seconde"] == {"offers": 1, "seats": 2}
    assert seine_saint_denis["by_grade"]["troisieme"] == {"offers": 1, "seats": 1}
    reservations = ("reserved_rep", "reserved_qpv", "reserved_schools", "reserved_any")
    assert [seine_saint_denis[key] for key in reservations] == [0, 1, 1, 2]
    assert by_department["2A"]["by_grade"]["troisieme"] == {"offers": 1, "seats": 4}
    assert by_department["2A"]["by_grade"]["quatrieme"] == {"offers": 0, "seats": 0}
    assert by_department["2B"]["seats"] == 6

    # An academy's departments only.
    corsica = call(offers, "offer_statistics", ["2A", "2B"])
    assert [item["department"] for item in corsica["departments"]] == ["2A", "2B"]
    assert call(offers, "offer_statistics", ["75"])["departments"] == []

    # One grouped query.
    answer = grouped_queries(
        databases.urls["offers"], lambda session: offer_figures.offer_statistics(session, year, ["93", "69"]), queries=1
    )
    assert [item["department"] for item in answer["departments"]] == ["69", "93"]


def test_applications_and_conventions_by_status(platform, databases):
    identity, offers, conventions = platform
    host = signup(identity, "employer")
    lyon = publish(offers, host, max_candidates=3)
    saint_denis = publish(offers, host, place=SAINT_DENIS, max_candidates=3)
    pupils = [signup(identity, "student") for _ in range(4)]

    def apply(pupil: dict[str, Any], offer: dict[str, Any]) -> dict[str, Any]:
        return call(conventions, "apply", actor(pupil), offer["id"], application_body())

    approved = apply(pupils[0], lyon)
    call(conventions, "act_on_application", actor(host), approved["id"], "validate", {})
    call(conventions, "act_on_application", actor(pupils[0]), approved["id"], "approve", {})
    rejected = apply(pupils[1], lyon)
    call(conventions, "act_on_application", actor(host), rejected["id"], "reject", {"reason": "Plus de place."})
    apply(pupils[2], lyon)
    read = apply(pupils[3], saint_denis)
    call(conventions, "act_on_application", actor(host), read["id"], "read", {})

    everywhere = call(conventions, "convention_statistics", None)
    assert everywhere["school_year"] == SchoolYear.current(today_in_paris()).label
    assert everywhere["applications"] == {**NO_APPLICATION, "approved": 1, "rejected": 1, "submitted": 1, "read": 1}
    assert everywhere["conventions"] == {**NO_CONVENTION, "draft": 1}
    in_lyon = call(conventions, "convention_statistics", ["01", "42", "69"])
    assert in_lyon["applications"] == {**NO_APPLICATION, "approved": 1, "rejected": 1, "submitted": 1}
    assert in_lyon["conventions"] == {**NO_CONVENTION, "draft": 1}
    in_creteil = call(conventions, "convention_statistics", ["77", "93", "94"])
    assert in_creteil["applications"] == {**NO_APPLICATION, "read": 1}
    assert in_creteil["conventions"] == NO_CONVENTION

    # Two grouped queries: one of applications, one of conventions.
    year = SchoolYear.current(today_in_paris())
    answer = grouped_queries(
        databases.urls["conventions"],
        lambda session: convention_figures.convention_statistics(session, year, ["93"]),
        queries=2,
    )
    assert answer == in_creteil
