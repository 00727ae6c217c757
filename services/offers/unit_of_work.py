"""The offers' unit of work: the repositories a use case reads and changes, and its events.

The use cases (``catalogue``, ``drafts``, ``seats``) see the offers, the idempotency keys and
the drafts through the small protocols below, and emit their events with ``emit``: they never
query a session, so they run unchanged on ``SqlUnitOfWork`` (the service's, on the SQLAlchemy
session of one transaction, its events in the outbox table) and on the in-memory fake of the
unit tests (``tests/support/fake_offers.py``), which ``tests/unit/test_offers_unit_of_work_contract.py``
keeps honest against this one.

A use case works in its caller's transaction and never commits: the caller (``service.py``,
through ``opened``) commits when the use case returns and rolls back when it raises, so that
two use cases (a draft submitted: an offer made, the draft deleted) commit together.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.unit_of_work import EmittingUnitOfWork, SessionUnitOfWork
from services.offers.models import IdempotencyKey, Offer, OfferDraft


class OfferPage(NamedTuple):
    """One page of a team's offers and how many there are in all (every page)."""

    offers: list[Offer]
    total: int


class OfferRepository(Protocol):
    def get(self, offer_id: int, *, lock: bool = False) -> Offer | None:
        """Any stored offer, deleted ones included; ``lock``: held until commit (for a change)."""
        ...

    def add(self, offer: Offer) -> None:
        """Store a new offer; it has its ``id`` (and its columns' defaults) on return."""
        ...

    def team_page(
        self, team_id: int, *, space_id: int | None, status: str | None, page: int, per_page: int
    ) -> OfferPage:
        """The team's offers not deleted (of one space, of one status when given), those to
        update first (``need_to_be_updated``), then the newest first (highest id)."""
        ...


class IdempotencyKeyRepository(Protocol):
    def find(self, scope: str, key: str) -> IdempotencyKey | None:
        """The request already answered with this key in this scope (a caller), if any."""
        ...

    def add(self, record: IdempotencyKey) -> None: ...


class DraftRepository(Protocol):
    def get(self, draft_id: int, *, lock: bool = False) -> OfferDraft | None: ...

    def add(self, draft: OfferDraft) -> None:
        """Store a new draft; it has its ``id`` on return."""
        ...

    def remove(self, draft: OfferDraft) -> None: ...

    def of_team(self, team_id: int) -> list[OfferDraft]:
        """The team's drafts, the last saved first (then the highest id)."""
        ...


class OffersUnitOfWork(EmittingUnitOfWork, Protocol):
    """What a use case of the offers service works through, in one transaction."""

    offers: OfferRepository
    idempotency_keys: IdempotencyKeyRepository
    drafts: DraftRepository


class SqlOffers:
    """Offers in the service's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, offer_id: int, *, lock: bool = False) -> Offer | None:
        # FOR UPDATE on PostgreSQL: a concurrent change (a seat count) waits for this commit,
        # so the two get distinct versions. SQLite ignores it (one writer at a time anyway).
        return self.session.get(Offer, offer_id, with_for_update=True if lock else None)

    def add(self, offer: Offer) -> None:
        self.session.add(offer)
        self.session.flush()

    def team_page(
        self, team_id: int, *, space_id: int | None, status: str | None, page: int, per_page: int
    ) -> OfferPage:
        # Two queries whatever the page's size: the count, then the page.
        query = select(Offer).where(Offer.team_id == team_id, Offer.deleted_at.is_(None))
        if space_id is not None:
            query = query.where(Offer.space_id == space_id)
        if status is not None:
            query = query.where(Offer.status == status)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        ordered = query.order_by(Offer.need_to_be_updated.desc(), Offer.id.desc())
        rows = self.session.scalars(ordered.offset((page - 1) * per_page).limit(per_page)).all()
        return OfferPage(list(rows), total)


class SqlIdempotencyKeys:
    """Idempotency keys in the service's database (unique by scope and key)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, scope: str, key: str) -> IdempotencyKey | None:
        return self.session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        )

    def add(self, record: IdempotencyKey) -> None:
        self.session.add(record)


class SqlDrafts:
    """Drafts in the service's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, draft_id: int, *, lock: bool = False) -> OfferDraft | None:
        return self.session.get(OfferDraft, draft_id, with_for_update=True if lock else None)

    def add(self, draft: OfferDraft) -> None:
        self.session.add(draft)
        self.session.flush()

    def remove(self, draft: OfferDraft) -> None:
        self.session.delete(draft)

    def of_team(self, team_id: int) -> list[OfferDraft]:
        return list(
            self.session.scalars(
                select(OfferDraft)
                .where(OfferDraft.team_id == team_id)
                .order_by(OfferDraft.updated_at.desc(), OfferDraft.id.desc())
            ).all()
        )


class SqlUnitOfWork(SessionUnitOfWork):
    """The unit of work on the session of one transaction; events go to its outbox table."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.offers = SqlOffers(session)
        self.idempotency_keys = SqlIdempotencyKeys(session)
        self.drafts = SqlDrafts(session)


# The service opens one per transaction: ``with opened(self.db.transaction) as uow``.
opened = SqlUnitOfWork.opened
