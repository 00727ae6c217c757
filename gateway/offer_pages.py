"""Pages of the host's offers: Mes offres, the stepper that writes an offer, its preview."""

from __future__ import annotations


class OfferPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""
