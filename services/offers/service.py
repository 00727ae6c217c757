"""Offers: hosts' internship offers and partners' offers (features arrive with their issue)."""

from __future__ import annotations

from services.common.database import Database
from services.common.entrypoints import Pingable
from services.offers.models import OutboxMessage, ProcessedEvent


class OffersService(Pingable):
    name = "offers"

    db = Database("offers", OutboxMessage, ProcessedEvent)
