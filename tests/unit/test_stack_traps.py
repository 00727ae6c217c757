"""The traps of this stack (DESIGN.md), each pinned or worked around, and proven here."""

from __future__ import annotations

import pytest
from kombu import Connection
from kombu.pools import connections

pytestmark = pytest.mark.unit


def test_kombu_pools_close_under_eventlet_queues():
    # eventlet's green Queue has no ``mutex`` (nameko#783); kombu 5.7 (pinned) no longer
    # needs it when a pool closes its resources, as nameko does when a container stops.
    pool = connections[Connection("memory://")]
    with pool.acquire(block=True) as connection:
        connection.connect()
    pool.force_close_all()


def test_the_runner_needs_no_pkg_resources():
    # nameko's CLI imports pkg_resources (gone in setuptools 82): processes start through
    # our runner, which imports nameko's runners only.
    import importlib
    import sys

    runner = importlib.import_module("services.common.runner")
    assert runner.service_class("gateway").name == "gateway"
    assert "nameko.cli.main" not in sys.modules
