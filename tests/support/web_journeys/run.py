"""Run one journey in this process and print its report as one JSON line on stdout.

    python -m tests.support.web_journeys.run host_accounts '{"base_url": ..., "state_dir": ...}'

The module ``tests.support.web_journeys.<name>`` defines ``run(journey, settings)``; the
report (``tests.support.browser.Journey.report``) says which step failed, if one did, with
its screenshot. The exit status is 0 whenever a report was printed, so the test reads the
report; it is 2 for a wrong command line.
"""

from __future__ import annotations

import importlib
import json
import re
import sys

from tests.support.browser import Journey, JourneyStopped, chromium


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not re.fullmatch(r"[a-z_][a-z0-9_]*", argv[0]):
        print("usage: python -m tests.support.web_journeys.run <journey_module> '<json settings>'", file=sys.stderr)
        return 2
    name, settings = argv[0], json.loads(argv[1])
    module = importlib.import_module(f"tests.support.web_journeys.{name}")
    with chromium() as (_browser, context):
        journey = Journey(name, context)
        try:
            module.run(journey, settings)
        except JourneyStopped:
            pass  # the report holds the failed step
        except Exception as error:  # outside any step: the report says so
            journey.error = {"step": None, "message": f"{type(error).__name__}: {error}", "url": journey.page.url}
        report = journey.report()
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
