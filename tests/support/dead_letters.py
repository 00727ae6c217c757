"""Waiting for a service's dead letters to reach its dead-letter queue."""

from __future__ import annotations

import time

from services.common import dead_letters


def wait_for_letters(service: str, count: int, timeout: float = 15.0) -> list[dead_letters.DeadLetter]:
    """The service's dead letters once there are at least ``count``; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        letters = dead_letters.listing(service)
        if len(letters) >= count:
            return letters
        time.sleep(0.1)
    raise AssertionError(f"{count} dead letter(s) expected for {service}, {dead_letters.listing(service)} found")
