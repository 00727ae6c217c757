"""``python -m services.conventions.run_reminders``: one reminders pass now, on the running
platform (the conventions service's ``run_reminders`` RPC), without waiting for its timer.

Prints what the pass did as JSON (``{"expired": …, "host_reminders": …, "signature_reminders": …}``);
safe to run at any time, beside the timers of every replica: a reminder is never sent twice.
"""

from __future__ import annotations

import sys

from services.common.pass_command import run_pass


def main(argv: list[str]) -> int:
    """Run the pass; 2 on a usage error."""
    return run_pass(argv, "conventions", "run_reminders", "services.conventions.run_reminders")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
