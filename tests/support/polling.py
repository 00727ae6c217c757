"""Waiting in tests for what another process does in its own time (an event heard, a projection)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
    """``check()`` once it is truthy, or its last (falsy) value after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def wait_until(check: Callable[[], T], timeout: float = 15.0, interval: float = 0.1) -> T:
    """``check()`` once it is truthy; fails the test after ``timeout`` seconds."""
    value = eventually(check, timeout, interval)
    if not value:
        raise AssertionError("condition not met in time")
    return value
