"""Entrypoints every service has."""

from __future__ import annotations

from nameko.rpc import rpc


class Pingable:
    """Mixed into every service: ``ping`` is what readiness checks and probes call."""

    @rpc
    def ping(self) -> str:
        return "pong"
