"""Offers that change space or team: a space emptied into another, a member joining a team.

Identity owns teams and spaces and decides the moves; offers only re-files its offers. Each
moved offer is a new version whose snapshot (with its ``team_id`` and ``space_id``) goes
through the outbox like any other change, so matching re-indexes it and conventions moves
the offer's applications and conventions along (the new team sees them, the right space's
members are notified).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.contracts.events import TeamMemberJoined
from services.common.contracts.offers import OFFER_UPDATED
from services.common.outbox import emit
from services.offers import drafts
from services.offers.catalogue import snapshot, touch
from services.offers.models import Offer

_log = logging.getLogger(__name__)


def count_space_offers(session: Session, team_id: int, space_id: int) -> int:
    """How many offers (any status, deleted ones excepted) the team has in that space."""
    query = (
        select(func.count())
        .select_from(Offer)
        .where(Offer.team_id == team_id, Offer.space_id == space_id, Offer.deleted_at.is_(None))
    )
    return session.scalar(query) or 0


def move_space_offers(session: Session, team_id: int, from_space_id: int, to_space_id: int, today: date) -> int:
    """Move every offer of the team's space ``from_space_id`` to ``to_space_id``; how many moved.

    Identity asks this before deleting a space, and vouches that both spaces are the team's:
    offers does not ask it back (identity is in the middle of that change).
    """
    if from_space_id == to_space_id:
        return 0
    # Locked (on PostgreSQL) so that a host's edit of one of them at the same moment makes
    # its version after or before this one, never the same.
    offers = session.scalars(
        select(Offer)
        .where(Offer.team_id == team_id, Offer.space_id == from_space_id, Offer.deleted_at.is_(None))
        .order_by(Offer.id)
        .with_for_update()
    ).all()
    for offer in offers:
        offer.space_id = to_space_id
        _new_version(session, offer, today)
    return len(offers)


def apply_member_joined(session: Session, data: dict[str, Any], today: date) -> int:
    """The spaces a new member brought along now belong to their new team: so do their offers.

    Returns how many live offers changed team. A deleted offer changes team too, silently: a
    snapshot newer than its deletion would make matching show it again.
    """
    joined = TeamMemberJoined.model_validate(data)
    if not joined.moved_space_ids:
        return 0
    if joined.previous_team_id is not None:
        # Spaces move only with a member who was alone in their team: its drafts are theirs.
        drafts.follow_team(session, joined.previous_team_id, joined.team_id)
    offers = session.scalars(
        select(Offer)
        .where(Offer.space_id.in_(joined.moved_space_ids), Offer.team_id != joined.team_id)
        .order_by(Offer.id)
        .with_for_update()
    ).all()
    moved = 0
    for offer in offers:
        offer.team_id = joined.team_id
        if offer.deleted_at is None:
            _new_version(session, offer, today)
            moved += 1
    _log.info(
        "user %s joined team %s: %s offers of spaces %s follow", joined.user_id, joined.team_id, moved,
        joined.moved_space_ids,
    )  # fmt: skip
    return moved


def _new_version(session: Session, offer: Offer, today: date) -> None:
    touch(offer)
    emit(session, OFFER_UPDATED, snapshot(offer, today))
