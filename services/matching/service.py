"""Matching: schools directory, school weeks, 60 km highlighting, pupils' search (to come)."""

from __future__ import annotations

from services.common.database import Database
from services.common.entrypoints import Pingable
from services.matching.models import OutboxMessage, ProcessedEvent


class MatchingService(Pingable):
    name = "matching"

    db = Database("matching", OutboxMessage, ProcessedEvent)
