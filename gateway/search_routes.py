"""Route of the pupils' offer search (the matching service)."""

from __future__ import annotations

from typing import Any

from gateway.routing import Call, route
from services.common.contracts.search import OfferSearchPage, OfferSearchQuery

PUPIL = "student"


class SearchRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    matching: Any

    @route(
        "GET",
        "/api/v1/offers/search",
        summary="Chercher des offres de stage autour d'un lieu",
        tag="offres",
        query=OfferSearchQuery,
        response=OfferSearchPage,
        auth="optional",
        errors=(422,),
        description=(
            "Les plus proches d'abord, dans un rayon de 60 km au plus ; semaines séparées par des virgules "
            "(une offre « toute l'année » est ouverte chaque semaine de collège) ; mot-clé sans tenir compte "
            "des accents. Un élève connecté cherche par défaut autour de son établissement, pour sa classe et "
            "les semaines choisies par son établissement ; les offres réservées (REP/REP+, QPV, un "
            "établissement) ne sont montrées qu'aux élèves concernés."
        ),
    )
    def search_offers(self, call: Call) -> dict[str, Any]:
        params = call.query.model_dump(mode="json", exclude_unset=True)
        actor = call.actor
        if actor is not None and actor["role"] == PUPIL and not params.get("grade"):
            # The session token carries the pupil's grade: the search stays one RPC.
            params["grade"] = actor["grade"]
        return self.matching.search_offers(actor, params)
