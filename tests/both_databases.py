"""Run the suite's two passes at once: everything on SQLite, and the database-backed tests
(integration and e2e, the browser journeys apart) on PostgreSQL.

    python -m tests.both_databases [pytest arguments for both passes]

Most of a pass's time is spent waiting (for the broker, for a service's event, for the
browser), so the two passes share the machine's cores well: together they take little more
than the longer one. The SQLite pass prints as it goes; the PostgreSQL pass writes to
``artefacts/pytest-postgresql.log`` (or under ``$E1S_ARTEFACTS``), printed whole when it
ends. Each pass has its own broker vhost and databases (tests/conftest.py). Exits non-zero
when either pass failed, saying which.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRESQL_MARKERS = "(integration or e2e) and not browser"


def artefacts() -> Path:
    folder = Path(os.environ.get("E1S_ARTEFACTS") or ROOT / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pytest", *arguments]


def main(extra: list[str]) -> int:
    """Both passes, the SQLite one in the foreground; the exit status of the worse."""
    log_path = artefacts() / "pytest-postgresql.log"
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        postgresql = subprocess.Popen(
            pytest_command("-m", POSTGRESQL_MARKERS, *extra),
            cwd=ROOT,
            env={**os.environ, "TEST_DATABASE": "postgresql"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            sqlite = subprocess.run(
                pytest_command(*extra), cwd=ROOT, env={**os.environ, "TEST_DATABASE": "sqlite"}, check=False
            )
            print(f"\n== SQLite pass: exit {sqlite.returncode}; waiting for the PostgreSQL pass ==", flush=True)
            postgresql_status = postgresql.wait()
        finally:
            if postgresql.poll() is None:  # interrupted: leave no pass behind
                postgresql.terminate()
                postgresql.wait()
    print(f"\n== PostgreSQL pass (-m {POSTGRESQL_MARKERS!r}), from {log_path} ==", flush=True)
    sys.stdout.write(log_path.read_text(encoding="utf-8", errors="replace"))
    elapsed = time.monotonic() - started
    failed = [name for name, status in (("SQLite", sqlite.returncode), ("PostgreSQL", postgresql_status)) if status]
    print(f"\n== both passes in {elapsed:.0f} s: {'failed: ' + ', '.join(failed) if failed else 'passed'} ==")
    return max(sqlite.returncode, postgresql_status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
