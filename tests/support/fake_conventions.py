"""An in-memory unit of work of the conventions service's applications, for unit tests of their
use cases (``services/conventions/applications.py``).

It holds the same rows (``Application``, ``ApplicationTransition``, ``OfferSeats``,
``Convention``, unattached to any session) in ``Table``s (``tests/support/fake_unit_of_work.py``)
and behaves as ``services.conventions.unit_of_work.SqlUnitOfWork`` for what the use cases do:
ids given on ``add``, the columns' defaults filled in, a second application of a pupil to an
offer (or with a key the pupil already used) refused as the unique constraints refuse it, the
lists filtered by the caller's scope, ordered and paged as the SQL queries do, a seat counter
never overdrawn, and a rollback that forgets every change and event since the last commit.
``tests/unit/test_conventions_unit_of_work_contract.py`` runs one scenario on this and on the
SQL unit of work, so the two cannot drift apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime

from services.conventions import application_rules as rules
from services.conventions.access import Scope
from services.conventions.models import Application, ApplicationTransition, Convention, OfferSeats
from services.conventions.unit_of_work import ApplicationPage, Listed, SeatCount, Step
from tests.support.fake_unit_of_work import InMemoryUnitOfWork, Table


class FakeApplications:
    def __init__(self) -> None:
        self.table = Table(Application)

    def get(self, application_id: int) -> Application | None:
        return self.table.get(application_id)

    def add(self, application: Application) -> None:
        self.table.insert(application)

    def keyed(self, student_id: int, key: str) -> Application | None:
        return next(
            (row for row in self.table if (row.student_id, row.idempotency_key) == (student_id, key)),
            None,
        )

    def of_pupil_for_offer(self, student_id: int, offer_id: int) -> Application | None:
        return next((row for row in self.table if (row.student_id, row.offer_id) == (student_id, offer_id)), None)

    def move(self, application: Application, target: str, now: datetime, reason: str | None) -> bool:
        stored = self.table.get(application.id)
        # The use case holds the stored row itself: one caller at a time in a unit test, so it
        # is always in the status it was read in.
        if stored is None or stored.status != application.status:
            return False
        stored.status, stored.updated_at = target, now
        if reason is not None:
            stored.reason = reason
        return True

    def page(
        self, scope: Scope, *, offer_id: int | None, status: str | None, page: int, per_page: int
    ) -> ApplicationPage:
        matching: list[Listed] = [
            row
            for row in self.table
            if scope.sees(row.team_id, row.student_id, row.school_uai)
            and (offer_id is None or row.offer_id == offer_id)
            and (status is None or row.status == status)
        ]
        matching.sort(key=lambda row: (row.created_at, row.id), reverse=True)
        start = (page - 1) * per_page
        return ApplicationPage(matching[start : start + per_page], len(matching))

    def tally(self, team_id: int, offer_ids: Collection[int]) -> list[tuple[int, str, int]]:
        counted = Counter(
            (row.offer_id, row.status) for row in self.table if row.team_id == team_id and row.offer_id in offer_ids
        )
        return [(offer_id, status, count) for (offer_id, status), count in counted.items()]

    def pending_of_pupil(self, student_id: int) -> list[Application]:
        return [row for row in self.table if row.student_id == student_id and row.status in rules.PENDING]

    def unanswered_since(self, moment: datetime, limit: int) -> list[Application]:
        due = [row for row in self.table if row.status in rules.PENDING and row.updated_at <= moment]
        return sorted(due, key=lambda row: (row.updated_at, row.id))[:limit]

    def all(self) -> list[Application]:
        """Every stored application, by id: what a test reads after a use case."""
        return list(self.table)


class FakeTransitions:
    def __init__(self) -> None:
        self.table = Table(ApplicationTransition)

    def add(self, step: ApplicationTransition) -> None:
        self.table.insert(step)

    def of(self, application_ids: Sequence[int]) -> dict[int, list[Step]]:
        histories: dict[int, list[Step]] = {}
        wanted = set(application_ids)
        for step in self.table:
            if step.application_id in wanted:
                histories.setdefault(step.application_id, []).append(step)
        return histories


class FakeSeats:
    def __init__(self) -> None:
        self.table = Table(OfferSeats)

    def sync(self, offer_id: int, seats: int, approved_known_by_offers: int) -> SeatCount:
        counter = self.table.get(offer_id)
        if counter is None:
            counter = OfferSeats(offer_id=offer_id, seats=seats, approved=approved_known_by_offers, sequence=0)
            self.table.insert(counter)
        counter.seats = seats
        return self.count(offer_id)

    def take(self, offer_id: int) -> SeatCount | None:
        counter = self.table.get(offer_id)
        if counter is None or counter.approved >= counter.seats:
            return None
        counter.approved, counter.sequence = counter.approved + 1, counter.sequence + 1
        return self.count(offer_id)

    def give_back(self, offer_id: int) -> SeatCount:
        counter = self.table.get(offer_id)
        if counter is not None and counter.approved > 0:
            counter.approved, counter.sequence = counter.approved - 1, counter.sequence + 1
        return self.count(offer_id)

    def count(self, offer_id: int) -> SeatCount:
        """The offer's counter as stored (a KeyError for an offer nobody applied to)."""
        counter = self.table.rows[offer_id]
        return SeatCount(counter.seats, counter.approved, counter.sequence)


class FakeConventions:
    def __init__(self) -> None:
        self.table = Table(Convention)

    def of_application(self, application_id: int) -> Convention | None:
        return next((row for row in self.table if row.application_id == application_id), None)

    def add(self, convention: Convention) -> None:
        self.table.insert(convention)

    def ids_of(self, application_ids: Sequence[int]) -> dict[int, int]:
        wanted = set(application_ids)
        return {row.application_id: row.id for row in self.table if row.application_id in wanted}

    def all(self) -> list[Convention]:
        """Every stored convention, by id."""
        return list(self.table)


class FakeUnitOfWork(InMemoryUnitOfWork):
    """``ConventionsUnitOfWork`` in memory; ``transaction()`` is what the service's ``opened`` is."""

    def __init__(self) -> None:
        self.applications = FakeApplications()
        self.transitions = FakeTransitions()
        self.seats = FakeSeats()
        self.conventions = FakeConventions()
        super().__init__([self.applications.table, self.transitions.table, self.seats.table, self.conventions.table])
