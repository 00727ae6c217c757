"""Pages of Ressources utiles: communication kit, FAQ, API documentation."""

from __future__ import annotations


class ResourcePages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""
