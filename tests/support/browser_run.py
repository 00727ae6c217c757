"""The pytest side of the browser journeys: run one in a process of its own, read its report.

Importable under eventlet's patching (it only starts a subprocess): the journey itself runs
in ``python -m tests.support.web_journeys.run``, where playwright's sync API can exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> Path:
    """Debian's chromium, or a skip that says how to install it."""
    if not CHROMIUM.is_file():
        pytest.skip(
            f"chromium not found at {CHROMIUM}: install Debian's "
            "(apt-get install -y --no-install-recommends chromium) to run the browser tests"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium; the browser tests skip with a message when it is absent.

    Name it first (``pytest.mark.usefixtures("chromium")``) so the skip comes before the
    platform starts."""
    return require_chromium()


def run_journey(
    stack: Any, module: str, settings: dict[str, Any] | None = None, timeout: float = 240
) -> dict[str, Any]:
    """The report of ``tests.support.web_journeys.<module>`` run against ``stack``.

    ``settings`` reach the journey with ``base_url`` and ``state_dir`` (the mail and SMS
    outboxes) added. Fails with the script's error output when it printed no report.
    """
    full = {"base_url": stack.url, "state_dir": str(stack.state_dir), **(settings or {})}
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.web_journeys.run", module, json.dumps(full)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0 and lines, (
        f"the journey {module} printed no report (exit {run.returncode}):\n{run.stderr[-3000:]}"
    )
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def run_signing(settings: dict[str, Any], timeout: float) -> dict[str, Any]:
    """What ``tests.support.browser_signing`` saw while signing with ``settings`` (see there);
    fails with its error output, or the step it stopped at and its screenshot."""
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.browser_signing", json.dumps(settings)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert run.returncode == 0, f"the browser script failed:\n{run.stderr[-3000:]}"
    seen: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["error"] is None, f"at step « {seen['step']} »: {seen['error']} (screenshot: {seen.get('screenshot')})"
    return seen


def failure(report: dict[str, Any]) -> str:
    """The failed step of a report, as a readable assertion message ("" when none failed)."""
    error = report.get("error")
    if not error:
        return ""
    return (
        f"journey {report['journey']}, step « {error['step']} » at {error.get('url')}: {error['message']}\n"
        f"screenshot: {error.get('screenshot')}\n{error.get('traceback', '')}"
    )


def page_problems(report: dict[str, Any], allowed_statuses: frozenset[int] = frozenset({200, 422})) -> list[str]:
    """Everything wrong with the pages a journey saw, one line each.

    Checked pages: a serious or critical axe violation (rule, impact, nodes), sideways
    scrolling at 375 px. Every page: no Content-Security-Policy, a status not allowed, a
    script error, a console error, a failed request.
    """
    problems = []
    for page in report["pages"]:
        where = f"{page['path']} ({page['status']})"
        if page["status"] not in allowed_statuses:
            problems.append(f"{where}: status {page['status']}")
        if page["content_type"].startswith("text/html") and not page["csp"]:
            problems.append(f"{where}: no Content-Security-Policy header")
        problems += [f"{where}: script error {text}" for text in page["page_errors"]]
        problems += [f"{where}: console error {text}" for text in page["console_errors"]]
        problems += [f"{where}: failed request {text}" for text in page["failed_responses"]]
        for check in page["checks"]:
            for violation in check["violations"]:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
                problems.append(
                    f"{where} « {check['name']} »: axe {violation['id']} ({violation['impact']}): "
                    f"{violation['help']} — {targets}"
                )
            narrow = check["narrow"]
            if narrow["scrolls_sideways"]:
                problems.append(
                    f"{where} « {check['name']} »: scrolls sideways at 375 px "
                    f"(scrollWidth {narrow['scroll_width']}): {', '.join(narrow['wider'])}"
                )
    return problems
