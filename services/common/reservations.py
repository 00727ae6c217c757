"""Offers reserved to some pupils: REP/REP+ collèges, lycées in a QPV, or one school.

One rule for the two services that apply it: matching hides such offers from other pupils,
conventions refuses their applications.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Audience:
    """Who looks: the pupil's school and whether it is in a priority network or a QPV."""

    school_uai: str | None = None
    rep: bool = False
    qpv: bool = False


def admits(audience: Audience, reserved_rep: bool, reserved_qpv: bool, reserved_school_uai: str | None) -> bool:
    """Whether an offer with these reservations is open to ``audience``."""
    if reserved_rep and not audience.rep:
        return False
    if reserved_qpv and not audience.qpv:
        return False
    return reserved_school_uai is None or reserved_school_uai == audience.school_uai
