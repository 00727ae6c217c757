"""What the hosts' statistics call an accepted application and a signed convention.

Plain rules, no database: ``offer_outcomes`` counts with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.common.contracts.statistics import OfferOutcomes

# Accepted by the host and still standing: ``validated`` (the host's yes, waiting for the
# pupil) and ``approved`` (the pupil confirmed: a convention exists). An accepted application
# later cancelled, or refused after all, is no longer counted: as the national platform's
# « candidatures acceptées », the figure says how many pupils the offer is taking.
ACCEPTED = ("validated", "approved")
# A convention counts as signed once every party signed it.
SIGNED = "signed_by_all"


def outcomes(by_status: Mapping[str, int], signed: int) -> OfferOutcomes:
    """An offer's figures from its applications counted by status and its signed conventions."""
    applications = sum(count for status, count in by_status.items() if status != "total")
    accepted = sum(by_status.get(status, 0) for status in ACCEPTED)
    return OfferOutcomes(applications=applications, accepted=accepted, signed=signed)
