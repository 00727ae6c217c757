"""A bare nameko ``@http`` → RPC hop with no auth, validation, logging nor metrics.

The comparison point of ``bench.rpc``: ``python -m bench.bare_gateway PORT``.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import json
import sys

from nameko.rpc import RpcProxy
from nameko.runners import run_services
from nameko.web.handlers import http

from services.common.config import amqp_uri


class BareGateway:
    name = "bare_gateway"
    identity = RpcProxy("identity")

    @http("GET", "/bare/users/<int:user_id>")
    def user(self, request: object, user_id: int) -> str:
        return json.dumps(self.identity.get_user(user_id))


if __name__ == "__main__":
    config = {"AMQP_URI": amqp_uri(), "WEB_SERVER_ADDRESS": f"127.0.0.1:{sys.argv[1]}", "max_workers": 20}
    with run_services(config, BareGateway):
        eventlet.sleep(10**9)
