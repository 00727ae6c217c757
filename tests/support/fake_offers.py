"""An in-memory unit of work of the offers service, for unit tests of its use cases.

It holds the same rows (``Offer``, ``IdempotencyKey``, ``OfferDraft``, unattached to any session)
in dicts and behaves as ``services.offers.unit_of_work.SqlUnitOfWork`` for what the use cases
do: ids given on ``add`` (1, 2, … as a fresh table), the columns' defaults filled in, the team's
list filtered, ordered and paged as the SQL query does, a second idempotency key of one scope
refused as the unique constraint refuses it, and a rollback that forgets every change and
event since the last commit (``tests/support/fake_unit_of_work.py``). Events are recorded
instead of stored in an outbox: ``events`` holds those committed, in order.
``tests/unit/test_offers_unit_of_work_contract.py`` runs one scenario on this and on the SQL
unit of work, so the two cannot drift apart.

It lives in ``tests/support`` rather than in the service's package: only tests use it, and the
service's code (and its image) carries nothing that production never runs.
"""

from __future__ import annotations

from services.offers.models import IdempotencyKey, Offer, OfferDraft
from services.offers.unit_of_work import OfferPage
from tests.support.fake_unit_of_work import InMemoryUnitOfWork, Table


class FakeOffers:
    def __init__(self) -> None:
        self.table = Table(Offer)

    def get(self, offer_id: int, *, lock: bool = False) -> Offer | None:
        # One caller at a time in a unit test: there is nothing to lock against.
        return self.table.get(offer_id)

    def add(self, offer: Offer) -> None:
        self.table.insert(offer)

    def team_page(
        self, team_id: int, *, space_id: int | None, status: str | None, page: int, per_page: int
    ) -> OfferPage:
        matching = [
            offer
            for offer in self.table.rows.values()
            if offer.team_id == team_id
            and offer.deleted_at is None
            and (space_id is None or offer.space_id == space_id)
            and (status is None or offer.status == status)
        ]
        matching.sort(key=lambda offer: (not offer.need_to_be_updated, -offer.id))
        start = (page - 1) * per_page
        return OfferPage(matching[start : start + per_page], len(matching))

    def all(self) -> list[Offer]:
        """Every stored offer (deleted ones too), by id: what a test reads after a use case."""
        return [self.table.rows[offer_id] for offer_id in sorted(self.table.rows)]


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.table = Table(IdempotencyKey)

    def find(self, scope: str, key: str) -> IdempotencyKey | None:
        return next((row for row in self.table.rows.values() if (row.scope, row.key) == (scope, key)), None)

    def add(self, record: IdempotencyKey) -> None:
        self.table.insert(record)


class FakeDrafts:
    def __init__(self) -> None:
        self.table = Table(OfferDraft)

    def get(self, draft_id: int, *, lock: bool = False) -> OfferDraft | None:
        return self.table.get(draft_id)

    def add(self, draft: OfferDraft) -> None:
        self.table.insert(draft)

    def remove(self, draft: OfferDraft) -> None:
        self.table.delete(draft)

    def of_team(self, team_id: int) -> list[OfferDraft]:
        drafts = [draft for draft in self.table.rows.values() if draft.team_id == team_id]
        return sorted(drafts, key=lambda draft: (draft.updated_at, draft.id), reverse=True)


class FakeUnitOfWork(InMemoryUnitOfWork):
    """``OffersUnitOfWork`` in memory; ``transaction()`` is what the service's ``opened`` is."""

    def __init__(self) -> None:
        self.offers = FakeOffers()
        self.idempotency_keys = FakeIdempotencyKeys()
        self.drafts = FakeDrafts()
        super().__init__([self.offers.table, self.idempotency_keys.table, self.drafts.table])
