"""The operators' commands that run one pass of a service's timer now (``run_reminders``,
``review_offers``): one RPC on the running platform, its answer printed as JSON."""

from __future__ import annotations

import json
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from services.common.config import amqp_uri, env_float


def run_pass(argv: list[str], service: str, method: str, command: str) -> int:
    """Call ``service.method()`` and print its answer; 2 on a usage error (``command`` takes no argument)."""
    if argv:
        print(f"usage: python -m {command}", file=sys.stderr)
        return 2
    with ClusterRpcProxy({"AMQP_URI": amqp_uri()}, timeout=env_float("RPC_TIMEOUT", 60.0)) as cluster:
        answer = getattr(getattr(cluster, service), method)()
    print(json.dumps(answer, sort_keys=True))
    return 0
