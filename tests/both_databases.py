"""Run the suite on both databases, two pytest processes at a time: everything on SQLite, and
the database-backed tests (integration and e2e, the browser journeys apart) on PostgreSQL.

    python -m tests.both_databases                 # make test: the whole suite, split in jobs
    python -m tests.both_databases ARGS…           # ARGS run once on each database

Most of a pass's time is spent waiting (for the broker, for a service's event, for the
browser), so two processes share the machine's two cores well. Without arguments the SQLite
pass is cut in jobs (the suite without the browser journeys, then the journeys in two halves)
and two workers take the jobs longest first: the PostgreSQL pass and the SQLite one
run side by side, and whichever ends first goes on with the browser journeys. Each job writes
to its own log under ``artefacts/`` (or ``$E1S_ARTEFACTS``), printed whole when it ends; each
has its own broker vhost and databases (tests/conftest.py). Exits non-zero when a job failed,
saying which.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the database does not change runs once, in one pass or the other (``sqlite_pass_only``,
# ``postgresql_pass_only`` in pyproject.toml): the broker's and the processes' faults on SQLite,
# the generated API calls on PostgreSQL, the production database.
POSTGRESQL_MARKERS = "(integration or e2e) and not browser and not sqlite_pass_only"
SQLITE_MARKERS = "not browser and not postgresql_pass_only"
WORKERS = 2

# The browser journeys are cut in two jobs of about equal length: these modules, then every
# other journey (so that one added later runs too). Each module starts its own platform anyway,
# so the cut costs only a pytest start-up.
FIRST_BROWSER_MODULES = (
    "test_host_tutorial_in_a_browser",
    "test_school_head_in_a_browser",
    "test_host_accounts_in_a_browser",
)


@dataclass(frozen=True)
class Job:
    """One pytest process: a name for the logs, its arguments and its database."""

    name: str
    arguments: tuple[str, ...]
    database: str

    @property
    def log_name(self) -> str:
        return f"pytest-{self.name}.log"


def artefacts() -> Path:
    folder = Path(os.environ.get("E1S_ARTEFACTS") or ROOT / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def jobs_for(extra: list[str]) -> list[Job]:
    """The jobs, longest first: the two passes as given with arguments, the cut suite without."""
    if extra:
        return [
            Job("postgresql", ("-m", POSTGRESQL_MARKERS, *extra), "postgresql"),
            Job("sqlite", ("-m", "not postgresql_pass_only", *extra), "sqlite"),
        ]
    first = " or ".join(FIRST_BROWSER_MODULES)
    return [
        Job("postgresql", ("-m", POSTGRESQL_MARKERS), "postgresql"),
        Job("sqlite", ("-m", SQLITE_MARKERS), "sqlite"),
        Job("sqlite-browser-others", ("-m", "browser", "-k", f"not ({first})"), "sqlite"),
        Job("sqlite-browser-hosts-and-heads", ("-m", "browser", "-k", first), "sqlite"),
    ]


class Runner:
    """Two workers taking jobs from one list; each job's log printed whole when it ends."""

    def __init__(self, jobs: list[Job]) -> None:
        self.pending = list(jobs)
        self.results: dict[str, int] = {}
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.stopping = threading.Event()
        self.processes: list[subprocess.Popen[bytes]] = []

    def say(self, text: str) -> None:
        print(f"== [{time.monotonic() - self.started:5.0f} s] {text} ==", flush=True)

    def next_job(self) -> Job | None:
        with self.lock:
            if self.stopping.is_set() or not self.pending:
                return None
            return self.pending.pop(0)

    def run(self, job: Job) -> None:
        log_path = artefacts() / job.log_name
        self.say(f"{job.name}: pytest {' '.join(job.arguments)} (TEST_DATABASE={job.database})")
        began = time.monotonic()
        with log_path.open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                # The slowest tests in each log: where to cut when the run nears CI's 20 minutes.
                [sys.executable, "-m", "pytest", "--durations=20", *job.arguments],
                cwd=ROOT,
                env={**os.environ, "TEST_DATABASE": job.database},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            with self.lock:
                self.processes.append(process)
            status = process.wait()
        with self.lock:
            self.results[job.name] = status
            verdict = "passed" if status == 0 else f"FAILED (exit {status})"
            self.say(f"{job.name}: {verdict} in {time.monotonic() - began:.0f} s; its log, {log_path}:")
            sys.stdout.write(log_path.read_text(encoding="utf-8", errors="replace"))
            sys.stdout.flush()

    def worker(self) -> None:
        while (job := self.next_job()) is not None:
            self.run(job)

    def run_all(self) -> int:
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except KeyboardInterrupt:  # leave no pytest behind
            self.stopping.set()
            with self.lock:
                for process in self.processes:
                    if process.poll() is None:
                        process.terminate()
            raise
        failed = [name for name, status in self.results.items() if status]
        self.say(
            f"all jobs in {time.monotonic() - self.started:.0f} s: "
            + (f"failed: {', '.join(failed)}" if failed else "passed")
        )
        return max(self.results.values(), default=0)


def main(extra: list[str]) -> int:
    """Every job, two at a time; the exit status of the worst."""
    return Runner(jobs_for(extra)).run_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
