"""Pages of address suggestions and company look-up."""

from __future__ import annotations


class LookupRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""
