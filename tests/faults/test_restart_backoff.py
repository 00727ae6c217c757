"""The launcher's restart policy: exponential backoff, forgiven once a process stays up; and
``ProcessGroup.supervise`` applying it to real child processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.processes import ProcessGroup
from deploy.restarts import Backoff

pytestmark = pytest.mark.unit


def test_delays_double_from_half_a_second_up_to_thirty():
    backoff = Backoff()

    delays = [backoff.delay(up_for=1.0) for _ in range(9)]

    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert backoff.restarts == 9


def test_a_process_that_stayed_up_long_enough_restarts_at_once_again():
    backoff = Backoff(initial=0.5, maximum=30.0, stable_after=60.0)
    for _ in range(5):
        backoff.delay(up_for=2.0)

    assert backoff.delay(up_for=60.0) == 0.5
    assert backoff.delay(up_for=3.0) == 1.0  # crashing again at once: backing off again


def test_a_backoff_needs_a_positive_start_below_its_maximum():
    with pytest.raises(ValueError):
        Backoff(initial=0.0)
    with pytest.raises(ValueError):
        Backoff(initial=5.0, maximum=1.0)


class SleepingGroup(ProcessGroup):
    """Processes that only sleep, started and watched as the platform's are."""

    def start_process(self, name: str) -> None:
        self.processes[name] = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        self.started_at[name] = time.monotonic()


def test_supervise_restarts_a_killed_process_after_its_delay_and_leaves_the_others(tmp_path: Path):
    group = SleepingGroup({}, tmp_path / "logs", 0, backoff=lambda: Backoff(initial=0.3, maximum=1.0))
    group.start(("notifications", "offers"))
    try:
        killed = group.processes["notifications"]
        survivor = group.processes["offers"]
        killed.send_signal(signal.SIGKILL)
        killed.wait(5)

        [death] = group.supervise()
        assert death.startswith(f"notifications (pid {killed.pid}) killed by signal 9 after ")
        assert "restart #1 in 0.3 s" in death
        assert group.supervise() == []  # not before its delay
        time.sleep(0.35)
        [restart] = group.supervise()

        restarted = group.processes["notifications"]
        assert restart == f"notifications restarted (pid {restarted.pid})"
        assert restarted.pid != killed.pid and restarted.poll() is None
        assert group.processes["offers"] is survivor and survivor.poll() is None

        restarted.send_signal(signal.SIGKILL)
        restarted.wait(5)
        [second] = group.supervise()
        assert "restart #2 in 0.6 s" in second  # died at once: the delay doubled
    finally:
        group.stop()
    assert group.restart_due == {}
    assert all(process.poll() is not None for process in group.processes.values())
