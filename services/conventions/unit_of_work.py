"""The applications' unit of work: the repositories their use cases read and change, and events.

The use cases of ``applications`` (and the seat counter of ``seats``, the convention an approval
creates in ``convention_parts``) see the applications, their history, the offers' seat counters
and the conventions through the small protocols below, and emit their events with ``emit``:
they never query a session, so they run unchanged on ``SqlUnitOfWork`` (the service's, on the
SQLAlchemy session of one transaction, its events in the outbox table) and on the in-memory fake
of the unit tests (``tests/support/fake_conventions.py``), which
``tests/unit/test_conventions_unit_of_work_contract.py`` keeps honest against this one.

An application's ``Idempotency-Key`` is a column of the application itself (unique per pupil):
``ApplicationRepository.keyed`` is the idempotency keys' repository.

A use case works in its caller's transaction and never commits: the caller (``service.py``,
through ``opened``) commits when the use case returns and rolls back when it raises.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.common.database import upsert_insert
from services.common.paging import rows_and_total
from services.common.unit_of_work import EmittingUnitOfWork, SessionUnitOfWork
from services.conventions import application_rules as rules
from services.conventions.access import Scope
from services.conventions.models import Application, ApplicationTransition, Convention, OfferSeats


class Listed(Protocol):
    """What a list shows of an application: an ``Application``, or a row of its table's columns."""

    id: int
    offer_id: int
    team_id: int
    space_id: int | None
    offer: dict[str, Any]
    student_id: int
    student: dict[str, Any]
    school_uai: str | None
    grade: str | None
    weeks: list[str]
    motivation: str
    phone: str | None
    status: str
    reason: str | None
    created_at: datetime
    updated_at: datetime


class Step(Protocol):
    """One step of an application's history, as it is shown (an ``ApplicationTransition``, or a
    row of its columns)."""

    application_id: int
    status: str
    by_role: str
    by_user_id: int | None
    at: datetime
    reason: str | None


class ApplicationPage(NamedTuple):
    """One page of the applications a caller may see and how many there are in all."""

    rows: list[Listed]
    total: int


class SeatCount(NamedTuple):
    """An offer's seat counter: its seats, the pupils who took one, and the counter's change number."""

    seats: int
    approved: int
    sequence: int


class ApplicationRepository(Protocol):
    def get(self, application_id: int) -> Application | None: ...

    def add(self, application: Application) -> None:
        """Store a new application; it has its ``id`` on return. A second one of a pupil for an
        offer, or with a key the pupil already used, is refused (unique constraints)."""
        ...

    def keyed(self, student_id: int, key: str) -> Application | None:
        """The pupil's application sent with this ``Idempotency-Key``, if any."""
        ...

    def of_pupil_for_offer(self, student_id: int, offer_id: int) -> Application | None: ...

    def move(self, application: Application, target: str, now: datetime, reason: str | None) -> bool:
        """Move ``application`` to ``target`` (``reason`` kept when None) only if it is still in
        the status it was read in; whether it moved. ``application`` shows the stored row after."""
        ...

    def page(
        self, scope: Scope, *, offer_id: int | None, status: str | None, page: int, per_page: int
    ) -> ApplicationPage:
        """The applications in ``scope`` (of one offer, of one status when given), the newest
        first (then the highest id)."""
        ...

    def tally(self, team_id: int, offer_ids: Collection[int]) -> list[tuple[int, str, int]]:
        """``(offer_id, status, how many)`` of the team's applications to these offers (no row for none)."""
        ...

    def pending_of_pupil(self, student_id: int) -> list[Application]:
        """The pupil's applications nobody answered yet (``rules.PENDING``), the oldest first (by id)."""
        ...

    def unanswered_since(self, moment: datetime, limit: int) -> list[Application]:
        """At most ``limit`` pending applications unchanged since ``moment``, the longest unchanged
        first (then by id)."""
        ...


class TransitionRepository(Protocol):
    def add(self, step: ApplicationTransition) -> None: ...

    def of(self, application_ids: Sequence[int]) -> dict[int, list[Step]]:
        """The history of each of these applications, in the order it was written."""
        ...


class SeatRepository(Protocol):
    def sync(self, offer_id: int, seats: int, approved_known_by_offers: int) -> SeatCount:
        """The offer's counter, created on first use (with offers' count of approved pupils),
        its seats set to ``seats``, as offers says now."""
        ...

    def take(self, offer_id: int) -> SeatCount | None:
        """Take one seat, the counter after; None when the offer is full (nothing changed)."""
        ...

    def give_back(self, offer_id: int) -> SeatCount:
        """Give one seat back (never below zero), the counter after."""
        ...


class ConventionRepository(Protocol):
    def of_application(self, application_id: int) -> Convention | None: ...

    def add(self, convention: Convention) -> None:
        """Store a new convention; it has its ``id`` on return."""
        ...

    def ids_of(self, application_ids: Sequence[int]) -> dict[int, int]:
        """``{application_id: convention_id}`` of those of these applications that have one."""
        ...


class ConventionsUnitOfWork(EmittingUnitOfWork, Protocol):
    """What a use case of the applications works through, in one transaction."""

    applications: ApplicationRepository
    transitions: TransitionRepository
    seats: SeatRepository
    conventions: ConventionRepository


class SqlApplications:
    """Applications in the service's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, application_id: int) -> Application | None:
        return self.session.get(Application, application_id)

    def add(self, application: Application) -> None:
        self.session.add(application)
        self.session.flush()

    def keyed(self, student_id: int, key: str) -> Application | None:
        return self.session.scalar(
            select(Application).where(Application.student_id == student_id, Application.idempotency_key == key)
        )

    def of_pupil_for_offer(self, student_id: int, offer_id: int) -> Application | None:
        return self.session.scalar(
            select(Application).where(Application.offer_id == offer_id, Application.student_id == student_id)
        )

    def move(self, application: Application, target: str, now: datetime, reason: str | None) -> bool:
        # A conditional UPDATE: of two answers at once (the host rejects while the pupil
        # cancels), the second finds the status changed and moves nothing.
        moved = self.session.execute(
            update(Application)
            .where(Application.id == application.id, Application.status == application.status)
            .values(status=target, updated_at=now, reason=reason if reason is not None else Application.reason)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            return False
        self.session.refresh(application)
        return True

    def page(
        self, scope: Scope, *, offer_id: int | None, status: str | None, page: int, per_page: int
    ) -> ApplicationPage:
        # Plain rows of the table: nothing listed is changed, and ORM objects cost more than
        # the rest of the list. Two queries whatever the page's size: the count, then the page.
        query = select(Application.__table__).where(
            scope.filter(Application.team_id, Application.student_id, Application.school_uai)
        )
        if offer_id is not None:
            query = query.where(Application.offer_id == offer_id)
        if status is not None:
            query = query.where(Application.status == status)
        newest_first = query.order_by(Application.created_at.desc(), Application.id.desc())
        rows, total = rows_and_total(self.session, newest_first, page, per_page)
        return ApplicationPage(rows, total)

    def tally(self, team_id: int, offer_ids: Collection[int]) -> list[tuple[int, str, int]]:
        rows = self.session.execute(
            select(Application.offer_id, Application.status, func.count())
            .where(Application.team_id == team_id, Application.offer_id.in_(offer_ids))
            .group_by(Application.offer_id, Application.status)
        ).tuples()
        return list(rows)

    def pending_of_pupil(self, student_id: int) -> list[Application]:
        return list(
            self.session.scalars(
                select(Application)
                .where(Application.student_id == student_id, Application.status.in_(rules.PENDING))
                .order_by(Application.id)
            )
        )

    def unanswered_since(self, moment: datetime, limit: int) -> list[Application]:
        return list(
            self.session.scalars(
                select(Application)
                .where(Application.status.in_(rules.PENDING), Application.updated_at <= moment)
                .order_by(Application.updated_at, Application.id)
                .limit(limit)
            )
        )


_STEP_COLUMNS = (
    ApplicationTransition.application_id,
    ApplicationTransition.status,
    ApplicationTransition.by_role,
    ApplicationTransition.by_user_id,
    ApplicationTransition.at,
    ApplicationTransition.reason,
)


class SqlTransitions:
    """Applications' histories in the service's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, step: ApplicationTransition) -> None:
        self.session.add(step)

    def of(self, application_ids: Sequence[int]) -> dict[int, list[Step]]:
        # One query for them all, read as plain rows: a page of 100 applications has 200 to
        # 400 steps, and making ORM objects of them cost more than the rest of the list.
        histories: dict[int, list[Step]] = defaultdict(list)
        for step in self.session.execute(
            select(*_STEP_COLUMNS)
            .where(ApplicationTransition.application_id.in_(application_ids))
            .order_by(ApplicationTransition.id)
        ):
            histories[step.application_id].append(step)
        return dict(histories)


class SqlSeats:
    """Offers' seat counters in the service's database, changed only by conditional UPDATEs, so
    fifty pupils approving at once on an offer of three seats get exactly three."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def sync(self, offer_id: int, seats: int, approved_known_by_offers: int) -> SeatCount:
        table = OfferSeats.__table__
        # Two first approvals at once both insert: the second one's row is ignored, not an error.
        self.session.execute(
            upsert_insert(self.session)(table)
            .values(offer_id=offer_id, seats=seats, approved=approved_known_by_offers, sequence=0)
            .on_conflict_do_nothing(index_elements=[table.c.offer_id])
        )
        counter = self.session.scalars(select(OfferSeats).where(OfferSeats.offer_id == offer_id)).one()
        if counter.seats != seats:
            self.session.execute(
                update(OfferSeats)
                .where(OfferSeats.offer_id == offer_id)
                .values(seats=seats)
                .execution_options(synchronize_session=False)
            )
            self.session.refresh(counter)
        return SeatCount(counter.seats, counter.approved, counter.sequence)

    def take(self, offer_id: int) -> SeatCount | None:
        taken = self.session.execute(
            update(OfferSeats)
            .where(OfferSeats.offer_id == offer_id, OfferSeats.approved < OfferSeats.seats)
            .values(approved=OfferSeats.approved + 1, sequence=OfferSeats.sequence + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        return self._count(offer_id) if taken == 1 else None

    def give_back(self, offer_id: int) -> SeatCount:
        self.session.execute(
            update(OfferSeats)
            .where(OfferSeats.offer_id == offer_id, OfferSeats.approved > 0)
            .values(approved=OfferSeats.approved - 1, sequence=OfferSeats.sequence + 1)
            .execution_options(synchronize_session=False)
        )
        return self._count(offer_id)

    def _count(self, offer_id: int) -> SeatCount:
        row = self.session.execute(
            select(OfferSeats.seats, OfferSeats.approved, OfferSeats.sequence).where(OfferSeats.offer_id == offer_id)
        ).one()
        return SeatCount(*row)


class SqlConventions:
    """Conventions in the service's database (what the applications' use cases need of them)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of_application(self, application_id: int) -> Convention | None:
        return self.session.scalar(select(Convention).where(Convention.application_id == application_id))

    def add(self, convention: Convention) -> None:
        self.session.add(convention)
        self.session.flush()

    def ids_of(self, application_ids: Sequence[int]) -> dict[int, int]:
        return dict(
            self.session.execute(
                select(Convention.application_id, Convention.id).where(Convention.application_id.in_(application_ids))
            )
            .tuples()
            .all()
        )


class SqlUnitOfWork(SessionUnitOfWork):
    """The unit of work on the session of one transaction; events go to its outbox table."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.applications = SqlApplications(session)
        self.transitions = SqlTransitions(session)
        self.seats = SqlSeats(session)
        self.conventions = SqlConventions(session)


# The service opens one per transaction: ``with opened(self.db.transaction) as uow``.
opened = SqlUnitOfWork.opened
