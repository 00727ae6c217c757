"""The platform's processes on one machine: started, watched, restarted, stopped in order.

Used by ``make run`` (``deploy.local``), the end-to-end and fault tests and the benchmarks.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from deploy.restarts import Backoff
from services.common.config import PROCESSES

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 20.0


class ProcessGroup:
    """The six processes, each ``python -m services.common.runner <name>``, logging to a file."""

    def __init__(
        self,
        env: dict[str, str],
        logs: Path,
        port: int,
        detach: bool = False,
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self.env = env
        self.logs = logs
        self.port = port
        # detach: Ctrl-C reaches only the parent, which then stops the children in order
        self.detach = detach
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.started_at: dict[str, float] = {}
        self.backoff = backoff
        self.backoffs: dict[str, Backoff] = {}
        # name -> time.monotonic() at which a dead process is started again
        self.restart_due: dict[str, float] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, names: tuple[str, ...] = PROCESSES) -> None:
        for name in names:
            self.start_process(name)

    def start_process(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "services.common.runner", name],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.detach,
            )
        self.started_at[name] = time.monotonic()

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        process.wait(STOP_TIMEOUT)

    def exited(self) -> list[str]:
        """Names of processes that are no longer running."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def supervise(self) -> list[str]:
        """Restart each process that died, after its backoff; one line per death and per restart.

        Call it every few tenths of a second once the platform is ready: the other processes
        keep serving meanwhile (the gateway answers 503 for a service that is away).
        """
        now = time.monotonic()
        lines = []
        for name in self.exited():
            if name in self.restart_due:
                continue
            process = self.processes[name]
            up_for = now - self.started_at.get(name, now)
            backoff = self.backoffs.setdefault(name, self.backoff())
            delay = backoff.delay(up_for)
            self.restart_due[name] = now + delay
            code = process.returncode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
            lines.append(
                f"{name} (pid {process.pid}) {how} after {up_for:.1f} s up: "
                f"restart #{backoff.restarts} in {delay:.1f} s (log: {self.logs / (name + '.log')})"
            )
        for name, due in list(self.restart_due.items()):
            if due <= now:
                del self.restart_due[name]
                self.start_process(name)
                lines.append(f"{name} restarted (pid {self.processes[name].pid})")
        return lines

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Return once the gateway's readiness says 200; raise if a process exits or time runs out."""
        url = f"http://127.0.0.1:{self.port}/health/ready"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in self.exited():
                code = self.processes[name].returncode
                raise RuntimeError(f"{name} exited with code {code}; its log ends with:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(url, timeout=3) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the platform was not ready within {timeout:.0f} s: see the logs in {self.logs}")

    def stop(self) -> None:
        """SIGTERM to all, then wait; a process still running after 20 s is killed."""
        self.restart_due.clear()
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, process in self.processes.items():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop within {STOP_TIMEOUT:.0f} s: killing it", file=sys.stderr)
                process.kill()
                process.wait()
