"""``python -m services.offers.review_offers``: one review pass now, on the running platform (the
offers service's ``review_offers`` RPC), without waiting for its timer.

Prints how many offers the pass marked « à mettre à jour » as JSON (``{"marked": …}``); safe to
run at any time, beside the timers of every replica: an offer is marked (and its host told) once.
"""

from __future__ import annotations

import json
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from services.common.config import amqp_uri, env_float


def main(argv: list[str]) -> int:
    """Run the pass; 2 on a usage error."""
    if argv:
        print("usage: python -m services.offers.review_offers", file=sys.stderr)
        return 2
    with ClusterRpcProxy({"AMQP_URI": amqp_uri()}, timeout=env_float("RPC_TIMEOUT", 60.0)) as cluster:
        counts = cluster.offers.review_offers()
    print(json.dumps(counts, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
