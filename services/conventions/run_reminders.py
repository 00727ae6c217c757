"""``python -m services.conventions.run_reminders``: one reminders pass now, on the running
platform (the conventions service's ``run_reminders`` RPC), without waiting for its timer.

Prints what the pass did as JSON (``{"expired": …, "host_reminders": …, "signature_reminders": …}``);
safe to run at any time, beside the timers of every replica: a reminder is never sent twice.
"""

from __future__ import annotations

import json
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from services.common.config import amqp_uri, env_float


def main(argv: list[str]) -> int:
    """Run the pass; 2 on a usage error."""
    if argv:
        print("usage: python -m services.conventions.run_reminders", file=sys.stderr)
        return 2
    with ClusterRpcProxy({"AMQP_URI": amqp_uri()}, timeout=env_float("RPC_TIMEOUT", 60.0)) as cluster:
        counts = cluster.conventions.run_reminders()
    print(json.dumps(counts, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
