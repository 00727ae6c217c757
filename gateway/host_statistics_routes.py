"""The host's statistics as JSON (``GET /api/v1/offers/statistics``): for each of the team's
offers, its pupils' views, applications, accepted applications and signed conventions, with
the totals of each space and of the team (sums: ``host_statistics``).

Constant number of RPCs whatever the number of offers: the team's offers (a page of
``OFFERS_PER_CALL``, rarely more) and spaces, then one grouped count in conventions and one in
matching, asked at once.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from gateway import host_statistics
from gateway.routing import Call, route
from services.common.contracts.conventions import MAX_COUNTED_OFFERS
from services.common.contracts.statistics import HostStatisticsOut

OFFERS_PER_CALL = 500
# A bound on the calls one request makes (10,000 offers), far above any team's.
MAX_OFFER_CALLS = 20


def _team_offers(service: Any, actor: dict[str, Any]) -> list[dict[str, Any]]:
    """Every offer of the team (not deleted), newest first; 403 for anybody but a host."""
    first = service.offers.list_offers(actor, None, None, 1, OFFERS_PER_CALL)
    offers = list(first["results"])
    calls = min(MAX_OFFER_CALLS, -(-first["total"] // OFFERS_PER_CALL))
    replies = [
        service.offers.list_offers.call_async(actor, None, None, number, OFFERS_PER_CALL)
        for number in range(2, calls + 1)
    ]
    for reply in replies:
        offers.extend(reply.result()["results"])
    return offers


class Collected(NamedTuple):
    """What the services answered, before the sums: the offers as ``offers`` lists them."""

    offers: list[dict[str, Any]]
    spaces: list[dict[str, Any]]
    outcomes: dict[str, dict[str, int]]
    views: dict[str, int]


def gather(service: Any, actor: dict[str, Any]) -> dict[str, Any]:
    """``HostStatisticsOut`` of the caller's team (hosts only: 403 from offers otherwise)."""
    return host_statistics.shape(*collect(service, actor))


def collect(service: Any, actor: dict[str, Any]) -> Collected:
    """The team's offers, spaces, and each offer's outcomes and views."""
    team_reply = service.identity.get_team.call_async(actor)
    offers = _team_offers(service, actor)
    ids = [offer["id"] for offer in offers]
    chunks = [ids[start : start + MAX_COUNTED_OFFERS] for start in range(0, len(ids), MAX_COUNTED_OFFERS)]
    outcome_replies = [service.conventions.offer_outcomes.call_async(actor, chunk) for chunk in chunks]
    views_reply = service.matching.offer_view_counts.call_async(ids) if ids else None
    outcomes: dict[str, dict[str, int]] = {}
    for reply in outcome_replies:
        outcomes.update(reply.result())
    views = views_reply.result() if views_reply is not None else {}
    return Collected(offers, team_reply.result()["spaces"], outcomes, views)


class HostStatisticsRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    offers: Any
    matching: Any
    conventions: Any

    @route(
        "GET",
        "/api/v1/offers/statistics",
        summary="Statistiques des offres de l'équipe (offreurs)",
        tag="statistiques",
        response=HostStatisticsOut,
        errors=(403,),
        description=(
            "Pour chaque offre de l'équipe (non supprimée), puis pour chaque espace et pour l'équipe : les "
            "consultations de la page de l'offre par des élèves connectés (une par élève et par jour ; ni les "
            "offreurs ni les visiteurs anonymes ne comptent), les candidatures reçues, les candidatures acceptées "
            "par l'offreur (acceptées ou confirmées par l'élève, ni annulées ni refusées depuis) et les conventions "
            "signées par toutes les parties. Réservé aux offreurs (403 FORBIDDEN sinon). Les consultations sont "
            "comptées quelques instants après la lecture de la page."
        ),
    )
    def get_offer_statistics(self, call: Call) -> dict[str, Any]:
        return gather(self, call.actor)
