"""Routes of a pupil's favourite offers (« Mes offres favorites »; the matching service)."""

from __future__ import annotations

from typing import Any

from gateway.routing import Call, route
from services.common.contracts.favourites import FavouriteOffer, FavouritesPage, FavouritesQuery

TAG = "offres favorites"


class FavouriteRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    matching: Any

    @route(
        "GET",
        "/api/v1/favourites",
        summary="Mes offres favorites (élève)",
        tag=TAG,
        query=FavouritesQuery,
        response=FavouritesPage,
        errors=(403,),
        description=(
            "Les offres que l'élève a gardées, la dernière ajoutée d'abord, au format des résultats de la "
            "recherche (distance depuis son établissement). Une offre dépubliée reste dans la liste avec "
            "`available: false` ; une offre supprimée n'y figure plus. Réservé aux élèves (403 sinon)."
        ),
    )
    def list_favourites(self, call: Call) -> dict[str, Any]:
        return self.matching.list_favourites(call.actor, call.query.model_dump())

    @route(
        "PUT",
        "/api/v1/favourites/<int:offer_id>",
        summary="Ajouter une offre à mes favoris (élève)",
        tag=TAG,
        response=FavouriteOffer,
        errors=(403, 404),
        description=(
            "Idempotent : ajouter de nouveau une offre favorite ne change rien. 404 pour une offre inconnue, "
            "non publiée ou réservée à d'autres élèves ; 403 pour un compte qui n'est pas celui d'un élève."
        ),
    )
    def add_favourite(self, call: Call) -> dict[str, Any]:
        return self.matching.add_favourite(call.actor, call.path["offer_id"])

    @route(
        "DELETE",
        "/api/v1/favourites/<int:offer_id>",
        summary="Retirer une offre de mes favoris (élève)",
        tag=TAG,
        status=204,
        errors=(403, 404),
        description=(
            "Idempotent : retirer une offre qui n'est pas (ou plus) favorite répond aussi 204. 404 pour une "
            "offre inconnue ; 403 pour un compte qui n'est pas celui d'un élève."
        ),
    )
    def remove_favourite(self, call: Call) -> None:
        self.matching.remove_favourite(call.actor, call.path["offer_id"])
