"""The tests' entrypoint call returns its own worker's answer while the same entrypoint runs for
someone else (``tests/support/entrypoints.py``)."""

from __future__ import annotations

import eventlet
import pytest
from nameko.extensions import Entrypoint
from nameko.rpc import rpc
from nameko.testing.utils import get_extension

from tests.support.entrypoints import call

pytestmark = pytest.mark.integration


class Echo:
    name = "echo_for_hooks"

    @rpc
    def echo(self, value: str, seconds: float) -> str:
        eventlet.sleep(seconds)
        return value


def test_the_answer_is_the_callers_own_while_another_call_finishes_first(start_service):
    container = start_service(Echo)
    entrypoint = get_extension(container, Entrypoint, method_name="echo")
    # Another caller's worker, started first and finishing first: nameko's entrypoint_hook
    # would hand its answer to the test.
    container.spawn_worker(entrypoint, ("someone else's", 0.2), {})
    assert call(container, "echo", "mine", 0.5) == "mine"
