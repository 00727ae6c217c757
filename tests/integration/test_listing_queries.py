"""Lists of applications and conventions cost the same number of SQL statements for 3 rows
as for 300 (no query per row), counted on the running conventions service's own engine,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import eventlet
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from services.common.database import Database, create_service_engine, utcnow
from services.conventions.models import (
    ConventionDocument,
    ConventionSignature,
    SignatureImage,
)
from services.conventions.service import ConventionsService
from tests.support.conventions import call, college_week, seed_conventions

pytestmark = pytest.mark.integration

SMALL_TEAM, LARGE_TEAM = 101, 202
SCHOOL = "0752694W"
OFFER = {"title": "Boulangerie", "employer_name": "Au bon pain", "city": "Paris"}


def seed_listed(engine: Engine, team_id: int, rows: int, first_student: int) -> None:
    """``rows`` approved applications of ``team_id``, each with two transitions and a
    convention signed once; every other convention has its sealed PDF."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        session.merge(SignatureImage(sha256="a" * 64, mime="image/png", data=b"png"))
        seeded = seed_conventions(
            session,
            team_id=team_id,
            offer_id=team_id,
            offer=OFFER,
            school_uai=SCHOOL,
            week=college_week(),
            count=rows,
            first_student=first_student,
            status="signatures_started",
            parts=False,
        )
        for _, convention in seeded:
            session.add(
                ConventionSignature(
                    convention_id=convention.id,
                    role="employer",
                    signer_name="Camille Bernard",
                    signed_at=now,
                    masked_phone="06 •• •• •• 44",
                    image_sha256="a" * 64,
                    content_sha256="b" * 64,
                    request_id="r",
                )
            )
            if convention.id % 2:
                session.add(ConventionDocument(convention_id=convention.id, pdf=b"%PDF", sha256="c" * 64))


@contextmanager
def counting(container: Any, engine: Engine, method: str) -> Iterator[list[str]]:
    """The SQL statements ``engine`` executes inside the block for a worker of ``method``:
    the outbox relay and the timers use the same engine meanwhile, and are not counted."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        current = eventlet.getcurrent()
        # nameko keeps each running worker's green thread by its context
        for worker_ctx, thread in list(container._worker_threads.items()):
            if thread is current and worker_ctx.entrypoint.method_name == method:
                statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def host(team_id: int) -> dict[str, Any]:
    return {"user_id": team_id, "role": "employer", "team_id": team_id}


@pytest.fixture
def listed(start_service, env):
    conventions = start_service(ConventionsService)
    seeding = create_service_engine(env["DATABASE_URL_CONVENTIONS"])
    seed_listed(seeding, SMALL_TEAM, 3, 1_000)
    seed_listed(seeding, LARGE_TEAM, 300, 2_000)
    seeding.dispose()
    engine = next(dep for dep in conventions.dependencies if isinstance(dep, Database)).engine
    return conventions, engine


def statements_of(conventions: Any, engine: Engine, method: str, *args: Any) -> tuple[int, dict[str, Any]]:
    with counting(conventions, engine, method) as statements:
        answer = call(conventions, method, *args)
    assert statements, "no statement counted"
    return len(statements), answer


def test_listing_applications_costs_the_same_for_3_and_300_rows(listed):
    conventions, engine = listed
    small, few = statements_of(conventions, engine, "list_applications", host(SMALL_TEAM), None, None, 1, 500)
    large, many = statements_of(conventions, engine, "list_applications", host(LARGE_TEAM), None, None, 1, 500)
    assert (few["total"], len(few["results"]), many["total"], len(many["results"])) == (3, 3, 300, 300)
    # each row still has its own history and convention
    assert all(len(row["history"]) == 2 and row["convention_id"] for row in many["results"])
    assert len({row["convention_id"] for row in many["results"]}) == 300
    assert small == large


def test_listing_conventions_costs_the_same_for_3_and_300_rows(listed):
    conventions, engine = listed
    small, few = statements_of(conventions, engine, "list_conventions", host(SMALL_TEAM), None, 1, 500)
    large, many = statements_of(conventions, engine, "list_conventions", host(LARGE_TEAM), None, 1, 500)
    assert (few["total"], len(few["results"]), many["total"], len(many["results"])) == (3, 3, 300, 300)
    assert all(len(row["signatures"]) == 1 for row in many["results"])
    assert {row["pdf_ready"] for row in many["results"]} == {True, False}
    assert all(row["pdf_ready"] == bool(row["id"] % 2) for row in many["results"])
    assert small == large


def test_pages_share_out_the_list_and_a_page_past_the_end_still_counts_it(listed):
    # Pages read in the order of the lists' indexes (team, newest first) and counted apart
    # (services/common/paging.py): together they hold the list once, a page past the end none.
    conventions, _ = listed
    for method, filters in (("list_applications", (None, None)), ("list_conventions", (None,))):
        pages = [call(conventions, method, host(LARGE_TEAM), *filters, page, 100) for page in (1, 2, 3, 4, 99)]
        assert [(page["total"], len(page["results"])) for page in pages] == [(300, 100)] * 3 + [(300, 0)] * 2
        rows = [(row["created_at"], row["id"]) for page in pages for row in page["results"]]
        assert len({row_id for _, row_id in rows}) == 300
        assert rows == sorted(rows, reverse=True), f"{method}: newest first across pages"
