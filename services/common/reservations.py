"""Offers reserved to some pupils: REP/REP+ collèges, lycées in a QPV, or some schools.

One rule for the two services that apply it: matching hides such offers from other pupils,
conventions refuses their applications.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Audience:
    """Who looks: the pupil's school and whether it is in a priority network or a QPV."""

    school_uai: str | None = None
    rep: bool = False
    qpv: bool = False


def admits(audience: Audience, reserved_rep: bool, reserved_qpv: bool, reserved_school_uais: Collection[str]) -> bool:
    """Whether an offer with these reservations is open to ``audience``.

    ``reserved_school_uais``: the schools the offer is reserved to (empty: no such
    reservation); a pupil of any one of them may see it and apply.
    """
    if reserved_rep and not audience.rep:
        return False
    if reserved_qpv and not audience.qpv:
        return False
    return not reserved_school_uais or audience.school_uai in reserved_school_uais
