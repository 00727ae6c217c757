"""The offer index of one matching process, kept in step with the projection table.

Each replica holds its own ``OfferIndex``: loaded from ``offer_projection`` when the
container starts, then refreshed with the rows whose ``seq`` is above the last applied one,
right after each event handler of this process (its change is then searchable at once) and
every ``REFRESH_INTERVAL`` seconds (the changes another replica's handlers made: nameko
gives each event to one replica only).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import eventlet
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from services.common.config import database_url, env_float
from services.common.database import create_service_engine
from services.matching import offer_projection
from services.matching.offer_index import OfferIndex

_log = logging.getLogger(__name__)


class OfferIndexProvider(DependencyProvider):
    """nameko dependency: ``self.offer_index`` is the process's ``OfferIndex``."""

    def __init__(self, service_name: str = "matching") -> None:
        self.service_name = service_name
        self.index = OfferIndex()
        self.last_seq = 0
        self.engine: Engine | None = None
        self.interval = 0.5
        self._lock = threading.Lock()
        self._running = False
        self._thread: Any = None

    def setup(self) -> None:
        self.engine = create_service_engine(database_url(self.service_name))
        self.interval = env_float("OFFER_INDEX_REFRESH_INTERVAL", 0.5)

    def start(self) -> None:
        try:
            self.refresh()
        except Exception:  # the database is away: the timer retries
            _log.exception("offer index: first load failed; retrying")
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._loop, identifier="matching.offer_index_refresh")

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            with self._lock:  # not in the middle of a refresh
                self._thread.kill()
            self._thread = None
        if self.engine is not None:
            self.engine.dispose()

    kill = stop

    def _loop(self) -> None:
        while self._running:
            eventlet.sleep(self.interval)
            if not self._running:
                break
            try:
                self.refresh()
            except Exception:
                _log.exception("offer index refresh failed; retrying")

    def refresh(self) -> int:
        """Apply the projection's rows changed since the last refresh; returns how many."""
        assert self.engine is not None
        with self._lock, Session(self.engine) as session:
            count = 0
            for row in offer_projection.changes_since(session, self.last_seq):
                offer_projection.apply_to_index(self.index, row)
                self.last_seq = row.seq
                count += 1
            if count:
                self.index.prepare()  # changed cells laid out and the grid put together before a search
            return count

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        # An event handler of this process has committed: its change is searchable now.
        if isinstance(worker_ctx.entrypoint, EventHandler) and exc_info is None:
            try:
                self.refresh()
            except Exception:
                _log.exception("offer index refresh after %s failed", worker_ctx.entrypoint.method_name)

    def get_dependency(self, worker_ctx: Any) -> OfferIndex:
        return self.index
