"""Applications and conventions follow their offer when it changes team or space.

Each application and convention keeps the offer's ``team_id`` (who sees and handles it) and
``space_id`` (whose members are notified of it). A host moving an offer to another space, or
a member joining a team with their spaces, changes them in offers, which tells it in the
offer's snapshot (``offer_published``, ``offer_updated``, ``offer_unpublished``).

Snapshots of one offer travel on three queues and are handled by concurrent workers, so an
older one may be handled last. ``Application.offer_version`` records the version applied and
an update only ever moves it forward: a late snapshot changes nothing. A convention follows
its application, in the same transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.contracts.offers import OfferSnapshot
from services.conventions.models import Application, Convention

_log = logging.getLogger(__name__)


def follow_offer(session: Session, data: dict[str, Any]) -> int:
    """Give the offer's applications and conventions the snapshot's team and space.

    Returns how many applications took the snapshot: 0 for a late one, or for an offer
    nobody applied to.
    """
    offer = OfferSnapshot.model_validate(data)
    placement: dict[str, Any] = {}
    # None: a partner's offer (nobody applies here), or a producer that does not tell yet.
    if offer.team_id is not None:
        placement["team_id"] = offer.team_id
    if offer.space_id is not None:
        placement["space_id"] = offer.space_id
    if not placement:
        return 0
    # One conditional UPDATE, atomic on SQLite and PostgreSQL: two snapshots handled at once
    # cannot both win, and the newer one always does. The version moves forward even when
    # the placement is the same, or a late older one could still apply after it.
    changed = session.execute(
        update(Application)
        .where(Application.offer_id == offer.offer_id, Application.offer_version < offer.version)
        .values(offer_version=offer.version, **placement)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return 0
    applied = select(Application.id).where(
        Application.offer_id == offer.offer_id, Application.offer_version == offer.version
    )
    session.execute(
        update(Convention)
        .where(Convention.application_id.in_(applied))
        .values(**placement)
        .execution_options(synchronize_session=False)
    )
    _log.debug("offer %s version %s: %s applications follow it", offer.offer_id, offer.version, changed)
    return changed
