"""Rules of the pupils' favourite offers, free of storage and messaging.

Only pupils keep favourites, each their own. An offer can be added while pupils can find it
(published and open to this pupil: reservations). Once added it stays in the pupil's list
while the offer exists: an unpublished offer (or one reserved to others since) is shown as no
longer available, and comes back as available when the host publishes it again; a deleted
offer leaves the list (nothing is left to show of it).
"""

from __future__ import annotations

from services.common.contracts.actors import Actor
from services.common.errors import DomainError, forbidden, not_found

PUPIL = "student"
PUBLISHED = "published"
DELETED = "deleted"
ONLY_PUPILS = "Seuls les élèves peuvent garder des offres favorites."
UNKNOWN_OFFER = "Cette offre n'existe pas ou n'est plus publiée."


def check_pupil(actor: Actor) -> None:
    """Refuse (403) anyone but a pupil."""
    if actor.role != PUPIL:
        raise forbidden(ONLY_PUPILS)


def is_available(status: str | None, visible: bool) -> bool:
    """Whether pupils can find the offer and apply to it: published and open to this pupil."""
    return status == PUBLISHED and visible


def is_listed(status: str | None) -> bool:
    """Whether a favourite shows in the pupil's list: while the offer exists (a known snapshot)."""
    return status is not None and status != DELETED


def may_add(status: str | None, visible: bool) -> bool:
    """A favourite is added only to an offer the pupil can find now."""
    return is_available(status, visible)


def unknown_offer() -> DomainError:
    """404: the offer does not exist, or the pupil cannot see it (never says which)."""
    return not_found(UNKNOWN_OFFER)
