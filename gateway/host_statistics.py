"""The host's statistics (« Statistiques de mes offres »): each offer's views, applications,
accepted applications and signed conventions, summed per space and for the team.

Plain functions over what the services answered: no RPC here (``host_statistics_routes``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.common.contracts.statistics import HostFigures, HostStatisticsOut, OfferFigures, SpaceFigures

FIGURES = ("views", "applications", "accepted", "signed")


def _add(total: HostFigures, figures: HostFigures) -> None:
    for name in FIGURES:
        setattr(total, name, getattr(total, name) + getattr(figures, name))


def shape(
    offers: Sequence[Mapping[str, Any]],
    spaces: Sequence[Mapping[str, Any]],
    outcomes: Mapping[str, Mapping[str, int]],
    views: Mapping[str, int],
) -> dict[str, Any]:
    """``HostStatisticsOut`` of the team's ``offers`` (in their order) and ``spaces``.

    An offer whose space the team no longer lists is summed in the default space, where the
    offers' list shows it too; every space is listed, with zeros when it has no offer.
    """
    default_space = next((space["id"] for space in spaces if space.get("is_default")), None)
    by_space = {space["id"]: SpaceFigures(space_id=space["id"], name=space["name"], offers=0) for space in spaces}
    total = HostFigures()
    rows = []
    for offer in offers:
        key = str(offer["id"])
        row = OfferFigures(
            offer_id=offer["id"],
            title=offer["title"],
            status=offer["status"],
            space_id=offer.get("space_id"),
            views=views.get(key, 0),
            **{name: value for name, value in (outcomes.get(key) or {}).items() if name in FIGURES},
        )
        rows.append(row)
        space = by_space.get(row.space_id) if row.space_id is not None else None
        space = space or by_space.get(default_space)  # type: ignore[arg-type]
        if space is not None:
            space.offers += 1
            _add(space, row)
        _add(total, row)
    return HostStatisticsOut(offers=rows, spaces=list(by_space.values()), total=total).model_dump(mode="json")
