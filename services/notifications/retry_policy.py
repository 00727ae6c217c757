"""When a delivery is tried again: a few attempts, spaced further and further apart."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_ATTEMPTS = 5

# An attempt in progress owns its delivery this long; nobody else sends it meanwhile. Longer
# than the slowest transport timeout, so only an attempt that died (process killed between
# claiming and recording the outcome) is ever taken over.
SEND_LEASE = timedelta(minutes=2)

_FIRST_DELAY = timedelta(seconds=30)
_LONGEST_DELAY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, 4 min..."""
    return min(_FIRST_DELAY * 2 ** max(attempts - 1, 0), _LONGEST_DELAY)


def next_attempt_after_failure(attempts: int, now: datetime) -> datetime | None:
    """When to try again after a failure, or None once ``MAX_ATTEMPTS`` are spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + retry_delay(attempts)
