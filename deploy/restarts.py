"""When to restart a process that died: exponential backoff, forgiven once it stays up.

A process that crashes at once (a bad configuration, a database that is away) must not be
restarted in a hot loop, and one that crashed once after hours of service must come back at
once. Plain rules, no subprocess here: ``deploy.processes`` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INITIAL_DELAY = 0.5
MAXIMUM_DELAY = 30.0
STABLE_AFTER = 60.0
"""Seconds a restarted process must stay up for its next crash to count as a first one."""


@dataclass
class Backoff:
    """The delay before each restart of one process: ``initial``, doubled on each crash that
    follows a short life, at most ``maximum``; back to ``initial`` after ``stable_after`` s up."""

    initial: float = INITIAL_DELAY
    maximum: float = MAXIMUM_DELAY
    stable_after: float = STABLE_AFTER
    restarts: int = 0
    _next: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum:
            raise ValueError("the backoff needs 0 < initial <= maximum")
        self._next = self.initial

    def delay(self, up_for: float) -> float:
        """Seconds to wait before restarting a process that died after ``up_for`` seconds up."""
        if up_for >= self.stable_after:
            self._next = self.initial
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        self.restarts += 1
        return delay
