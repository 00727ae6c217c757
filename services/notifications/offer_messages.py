"""Emails about a team's offers (the offers service's events)."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.contracts.offers import UPDATE_REASON_LABELS, OfferNeedsUpdate
from services.notifications.convention_messages import Person
from services.notifications.messages import email_message
from services.notifications.outgoing import OutgoingMessage

# The host's page of one offer: its « Modifier » button opens the offer form on it.
OFFER_PAGE_PATH = "/mon-espace/offres/{offer_id}"


def offer_needs_update(public_url: str, notice: OfferNeedsUpdate, hosts: Sequence[Person]) -> list[OutgoingMessage]:
    """An offer marked « à mettre à jour »: one email to each member notified for its space,
    with the reason and the link to update it."""
    context = {
        "offer_title": notice.title,
        "reason": UPDATE_REASON_LABELS[notice.reason],
        "link": f"{public_url.rstrip('/')}{OFFER_PAGE_PATH.format(offer_id=notice.offer_id)}",
    }
    emails = {host.email: host for host in hosts}  # one email per address, whatever identity lists
    return [
        email_message("offer_needs_update", host.email, {**context, "first_name": host.first_name})
        for host in emails.values()
    ]
