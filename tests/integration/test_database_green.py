"""A slow PostgreSQL query must not stop the other green threads of the process.

``eventlet.monkey_patch()`` (run first by every process and by conftest) installs a wait
callback in psycopg2; without it this test sees no tick during the query.
"""

from __future__ import annotations

import os
import time

import eventlet
import pytest
from sqlalchemy import text

from services.common.database import create_service_engine

pytestmark = pytest.mark.integration


@pytest.mark.skipif(os.environ.get("TEST_DATABASE", "sqlite") != "postgresql", reason="PostgreSQL only")
def test_psycopg2_waits_without_blocking_the_hub(databases):
    engine = create_service_engine(databases.urls["identity"])
    ticks: list[float] = []

    def tick() -> None:
        for _ in range(10):
            ticks.append(time.monotonic())
            eventlet.sleep(0.05)

    def slow_query() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(0.5)"))

    started = time.monotonic()
    query = eventlet.spawn(slow_query)
    ticker = eventlet.spawn(tick)
    query.wait()
    ticker.wait()
    engine.dispose()
    # Had the query blocked the hub, the ticker would have stalled for its 0.5 s.
    ticks_during_query = [t for t in ticks if t - started < 0.45]
    assert len(ticks_during_query) >= 5
