"""A value that takes seconds to build (the offline address index), built once in the
background and waited for a bounded time by whoever needs it.

- At most one build runs at a time, whoever asks: a warm-up started with the gateway, or the
  first use.
- Whoever needs the value while it is being built waits for that build, at most
  ``wait_seconds``, then gets ``StillBuilding``: a request must not hang on it.
- A failed build is logged once; the first use ``retry_seconds`` later tries again (sooner
  would log the same failure at every keystroke of a form).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

_log = logging.getLogger(__name__)

T = TypeVar("T")


class StillBuilding(Exception):
    """The build under way outlived the caller's wait."""


class BackgroundBuild(Generic[T]):
    """``build()``'s value, built at most once at a time and kept once built.

    Thread- and greenlet-safe (under eventlet's monkey-patching, ``threading`` is green).
    """

    def __init__(self, build: Callable[[], T], what: str, *, wait_seconds: float, retry_seconds: float) -> None:
        self._build = build
        self.what = what
        self.wait_seconds = wait_seconds
        self.retry_seconds = retry_seconds
        self._value: T | None = None
        self._lock = threading.Lock()
        # Set when the build under way ends (built or failed); None when none runs.
        self._running: threading.Event | None = None
        self._failed_at: float | None = None
        self.builds = 0
        """How many builds were started (tests check that concurrent users share one)."""

    @property
    def ready(self) -> bool:
        """Whether the value is built."""
        return self._value is not None

    def build_here(self, trigger: str = "warm-up") -> None:
        """Build in the calling thread (the gateway's warm-up thread) unless the value is built,
        a build is under way, or a failure is too recent; never raises."""
        done = self._claim()
        if done is not None:
            self._run(done, trigger)

    def get(self) -> T | None:
        """The value; a build is started in a daemon thread if none was, and waited for at most
        ``wait_seconds``. None while a failed build rests (it was logged);
        ``StillBuilding`` when the wait runs out (the build goes on)."""
        value = self._value
        if value is not None:
            return value
        done = self._claim()
        if done is not None:
            threading.Thread(target=self._run, args=(done, "first use"), name=self.what, daemon=True).start()
        else:
            with self._lock:
                done = self._running
        if done is not None and not done.wait(self.wait_seconds):
            raise StillBuilding(f"{self.what}: still building after {self.wait_seconds:.0f} s")
        return self._value

    def _claim(self) -> threading.Event | None:
        """The event of a new build the caller must run; None when none is needed or one runs."""
        with self._lock:
            if self._value is not None or self._running is not None:
                return None
            if self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_seconds:
                return None
            self._running = threading.Event()
            self.builds += 1
            return self._running

    def _run(self, done: threading.Event, trigger: str) -> None:
        started = time.monotonic()
        try:
            value = self._build()
        except Exception as exc:  # whatever goes wrong, the gateway serves on without the value
            with self._lock:
                self._failed_at = time.monotonic()
            _log.error(
                "%s unavailable, tried again on first use after %.0f s: %s",
                self.what,
                self.retry_seconds,
                exc,
                extra={"build_seconds": round(time.monotonic() - started, 2), "trigger": trigger},
            )
        else:
            with self._lock:
                self._value, self._failed_at = value, None
            seconds = time.monotonic() - started
            _log.info(
                "%s ready in %.1f s (%s)",
                self.what,
                seconds,
                trigger,
                extra={"build_seconds": round(seconds, 2), "trigger": trigger},
            )
        finally:
            # Also when the thread is killed (the gateway stopping): the next use builds again.
            with self._lock:
                self._running = None
            done.set()
