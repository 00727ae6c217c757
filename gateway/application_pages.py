"""Pages of the applications a host receives: lists, one application, Accepter / Refuser."""

from __future__ import annotations


class ApplicationPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""
