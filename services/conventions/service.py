"""Conventions: applications, conventions, signatures and PDFs (features arrive with their issue)."""

from __future__ import annotations

from services.common.database import Database
from services.common.entrypoints import Pingable
from services.conventions.models import OutboxMessage, ProcessedEvent


class ConventionsService(Pingable):
    name = "conventions"

    db = Database("conventions", OutboxMessage, ProcessedEvent)
