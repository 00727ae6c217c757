"""The background build of a slow value (the offline address index): one build at a time, a
bounded wait for it, a failure logged once and tried again. Builds here are small functions
the test holds until it releases them; threads are green (the suite's eventlet patching), as
in the gateway."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import eventlet
import pytest

from gateway.background_build import BackgroundBuild, StillBuilding

pytestmark = pytest.mark.unit

LONG = 10.0  # a wait no test reaches: the build is released long before


class HeldBuild:
    """A build that counts its calls, waits for ``release()``, then returns its value or raises."""

    def __init__(self, value: str = "index", failures: int = 0) -> None:
        self.value = value
        self.failures = failures
        self.calls = 0
        self.started = threading.Event()
        self.released = threading.Event()

    def __call__(self) -> str:
        self.calls += 1
        self.started.set()
        assert self.released.wait(LONG), "the test never released the build"
        if self.calls <= self.failures:
            raise OSError(f"communes.json unreadable (build {self.calls})")
        return self.value

    def release(self) -> None:
        self.released.set()


def in_thread(target: Callable[[], object], results: list[object]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target())
        except Exception as exc:
            results.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_concurrent_first_uses_share_one_build():
    build = HeldBuild()
    background = BackgroundBuild(build, "index", wait_seconds=LONG, retry_seconds=60)
    results: list[object] = []
    threads = [in_thread(background.get, results) for _ in range(8)]
    assert build.started.wait(LONG)
    time.sleep(0.05)  # every user is now waiting on the one build
    assert results == []
    build.release()
    for thread in threads:
        thread.join(LONG)
    assert results == ["index"] * 8
    assert (build.calls, background.builds) == (1, 1)
    assert background.get() == "index"  # kept: no build again
    assert build.calls == 1


def test_a_use_during_the_warm_up_waits_for_it_then_answers():
    build = HeldBuild()
    background = BackgroundBuild(build, "index", wait_seconds=LONG, retry_seconds=60)
    warming = in_thread(background.build_here, [])
    assert build.started.wait(LONG)
    results: list[object] = []
    lookup = in_thread(background.get, results)
    time.sleep(0.05)
    assert results == [] and not background.ready
    build.release()
    lookup.join(LONG)
    warming.join(LONG)
    assert results == ["index"]
    assert build.calls == 1
    background.build_here()  # a second warm-up once built does nothing
    assert build.calls == 1


def test_a_use_that_outwaits_its_bound_is_refused_while_the_build_goes_on():
    build = HeldBuild()
    background = BackgroundBuild(build, "index", wait_seconds=0.05, retry_seconds=60)
    started = time.monotonic()
    with pytest.raises(StillBuilding):
        background.get()
    assert time.monotonic() - started < LONG / 2
    with pytest.raises(StillBuilding):
        background.get()  # waits on the same build: none started in parallel
    assert background.builds == 1
    build.release()
    background.wait_seconds = LONG
    assert background.get() == "index"
    assert build.calls == 1


def test_a_failed_build_is_logged_once_rests_then_is_tried_again_on_use(caplog):
    build = HeldBuild(failures=1)
    build.release()
    background = BackgroundBuild(build, "offline communes index", wait_seconds=LONG, retry_seconds=3600)
    with caplog.at_level(logging.INFO, logger="gateway.background_build"):
        background.build_here()  # the warm-up fails: no exception reaches the gateway
        assert background.get() is None  # resting: nothing built, nothing tried again
        assert background.get() is None
        assert build.calls == 1
        [failure] = caplog.records
        assert failure.levelno == logging.ERROR
        assert "offline communes index unavailable" in failure.getMessage()
        assert "communes.json unreadable (build 1)" in failure.getMessage()
        background.retry_seconds = 0  # the rest is over
        assert background.get() == "index"  # the next use builds again
    assert build.calls == 2
    ready = caplog.records[-1]
    assert ready.getMessage().startswith("offline communes index ready in ")
    assert ready.trigger == "first use" and ready.build_seconds >= 0


def test_the_warm_up_logs_how_long_the_build_took(caplog):
    build = HeldBuild()
    build.release()
    background = BackgroundBuild(build, "offline communes index", wait_seconds=LONG, retry_seconds=60)
    with caplog.at_level(logging.INFO, logger="gateway.background_build"):
        background.build_here()
    [ready] = caplog.records
    assert ready.trigger == "warm-up"
    assert isinstance(ready.build_seconds, float)
    assert background.ready


def test_a_killed_build_leaves_the_next_use_free_to_build():
    build = HeldBuild()
    background = BackgroundBuild(build, "index", wait_seconds=LONG, retry_seconds=60)
    warming = eventlet.spawn(background.build_here)  # as the gateway's managed thread
    assert build.started.wait(LONG)
    warming.kill()  # the gateway stopping mid-build
    assert not background.ready
    build.release()
    assert background.get() == "index"
    assert background.builds == 2
