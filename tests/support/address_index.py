"""The gateway's offline address index, which it builds in the background as it starts: a
look-up during the build waits a few seconds at most, then answers 503. Tests that look
addresses up on a fresh platform wait for it first, reading the gateway's log: no look-up,
so the wait also shows the warm-up built it by itself."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.stack import Stack

# Building the index from scratch takes ~4 s alone; 21 s was measured on a 2-core machine at a
# load average of 22.
INDEX_BUILD_LIMIT = 120.0
READY_MESSAGE = "offline communes index ready"


def index_ready_record(stack: Stack) -> dict[str, Any] | None:
    """The gateway's log record saying the offline communes index is ready, if written yet."""
    with (stack.logs / "gateway.log").open(encoding="utf-8", errors="replace") as log:
        for line in log:
            if READY_MESSAGE in line:
                return dict(json.loads(line))
    return None


def wait_for_address_index(stack: Stack, limit: float = INDEX_BUILD_LIMIT) -> dict[str, Any]:
    """The log record of the index's build, waited for at most ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while (record := index_ready_record(stack)) is None:
        assert time.monotonic() < deadline, f"no address index within {limit:.0f} s: see {stack.logs / 'gateway.log'}"
        time.sleep(0.2)
    return record
