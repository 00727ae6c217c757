"""Pupils' views of offers' pages, kept once per pupil, offer and day, and counted per offer
for the hosts' statistics (« Statistiques de mes offres »)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.database import upsert_insert
from services.matching.models import OfferView


def record(session: Session, offer_id: int, pupil_id: int, day: date) -> None:
    """Keep that ``pupil_id`` read ``offer_id`` on ``day``; again the same day changes nothing."""
    insert = upsert_insert(session)
    # Two tabs opened at once: the unique key keeps one row, the other insert does nothing.
    session.execute(
        insert(OfferView)
        .values(offer_id=offer_id, pupil_id=pupil_id, day=day)
        .on_conflict_do_nothing(index_elements=["offer_id", "pupil_id", "day"])
    )


def counts(session: Session, offer_ids: Iterable[int]) -> dict[str, int]:
    """``{str(offer_id): views}`` for every asked offer (0 when never read), in one grouped query."""
    wanted = sorted({int(offer_id) for offer_id in offer_ids})
    answer = dict.fromkeys((str(offer_id) for offer_id in wanted), 0)
    if not wanted:
        return answer
    rows = session.execute(
        select(OfferView.offer_id, func.count()).where(OfferView.offer_id.in_(wanted)).group_by(OfferView.offer_id)
    )
    for offer_id, views in rows:
        answer[str(offer_id)] = int(views)
    return answer
