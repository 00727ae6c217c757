"""Pages of the host's conventions: Mes conventions de stage, the host's part, Signer en groupe."""

from __future__ import annotations


class ConventionPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""
