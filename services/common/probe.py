"""Liveness probe: ``python -m services.common.probe <service>`` exits 0 when the service
answers an RPC ping within 2 s (used by docker-compose and Kubernetes)."""

from __future__ import annotations

import sys

from nameko.exceptions import RpcTimeout
from nameko.standalone.rpc import ClusterRpcProxy

from services.common.config import SERVICES, amqp_uri


def ping(service: str, timeout: float = 2.0) -> bool:
    """True when ``service`` answers ``ping`` in time."""
    try:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri()}, timeout=timeout) as cluster:
            return getattr(cluster, service).ping() == "pong"
    except (RpcTimeout, Exception):
        return False


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(f"usage: python -m services.common.probe {{{','.join(SERVICES)}}}", file=sys.stderr)
        return 2
    ok = ping(argv[0])
    print("ok" if ok else f"{argv[0]} does not answer")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
