"""The host's statistics seen from conventions: per offer of the team, its applications, how
many the host accepted and how many conventions every party signed (rules: ``outcome_rules``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.conventions import applications, outcome_rules
from services.conventions.models import Convention
from services.conventions.unit_of_work import SqlUnitOfWork


def offer_outcomes(session: Session, actor: Actor, offer_ids: list[int]) -> dict[str, dict[str, Any]]:
    """``{str(offer_id): OfferOutcomes}`` for each of ``offer_ids``: two grouped queries.

    The team's rows only (another team's offer answers zeros), the same checks and limit as
    ``applications.counts`` (employers of a team, at most ``MAX_COUNTED_OFFERS`` offers).
    """
    by_offer = applications.counts(SqlUnitOfWork(session), actor, offer_ids)
    signed: dict[str, int] = {}
    if by_offer:
        rows = session.execute(
            select(Convention.offer_id, func.count())
            .where(
                Convention.team_id == actor.team_id,
                Convention.offer_id.in_(offer_ids),
                Convention.status == outcome_rules.SIGNED,
            )
            .group_by(Convention.offer_id)
        )
        signed = {str(offer_id): int(count) for offer_id, count in rows}
    return {
        offer_id: outcome_rules.outcomes(by_status, signed.get(offer_id, 0)).model_dump()
        for offer_id, by_status in by_offer.items()
    }
