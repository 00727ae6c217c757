"""The partner API v2 offers routes, keyed by the operator's ``remote_id``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.routing import Call, read_json
from gateway.v2 import v2_route
from services.common import partner_errors
from services.common.contracts.partner_offers import PartnerOfferChangesPayload, PartnerOfferPayload
from services.common.errors import DomainError

OFFERS = "/api/v2/internship_offers"
# What the national API answers to a body, and this platform too: the body is read by the
# handler (``offer_payload``, then ``services.offers.partner_payload``) for those codes and messages.
BODY_ERRORS = (
    "400 VALIDATION_ERROR : les champs invalides, chacun avec ses messages ; 422 BAD_PAYLOAD : pas de JSON "
    "ou pas d'objet internship_offer ; 422 BAD_ARGUMENT : une semaine mal écrite ; 422 WRONG_PARAMS : des "
    "classes de collège et de lycée ensemble, ou une offre de seconde sans ses deux semaines."
)
# Beyond the national API: what the review pass says of the operator's own offers.
REVIEW = (
    "Chaque offre de l'opérateur se termine par deux champs de plus que l'API nationale : need_to_be_updated "
    "(l'offre est « à mettre à jour » : toutes ses semaines sont passées ou elle date de l'année scolaire "
    "précédente ; elle n'apparaît plus dans la recherche ni aux élèves jusqu'à sa modification) et "
    "update_reason (past_weeks, no_seats_left, previous_school_year ; null sinon)."
)


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(default=1, ge=1)


class PartnerSearchQuery(PageQuery):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    radius: int | None = Field(default=None, ge=1, le=60_000, description="Rayon en mètres (60 000 par défaut).")
    keyword: str | None = Field(default=None, max_length=200)
    grade: Literal["quatrieme", "troisieme", "seconde"] | None = None


def offer_payload(call: Call) -> dict[str, Any]:
    """The ``internship_offer`` object of the body; 422 BAD_PAYLOAD when absent or not JSON."""
    try:
        body = read_json(call.request)
    except DomainError:
        raise partner_errors.bad_payload() from None
    payload = body.get("internship_offer") if isinstance(body, dict) else None
    if not isinstance(payload, dict) or not payload:
        raise partner_errors.bad_payload()
    return payload


class PartnerOfferRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    offers: Any

    @v2_route("GET", OFFERS, summary="Les offres de l'opérateur, 30 par page", query=PageQuery, description=REVIEW)
    def partner_index(self, call: Call) -> dict[str, Any]:
        return self.offers.partner_index(call.claims.user_id, call.query.page)

    @v2_route(
        "POST",
        OFFERS,
        summary="Publier une offre",
        status=201,
        documented_body=PartnerOfferPayload,
        errors=(400, 409, 422),
        description=f"{BODY_ERRORS} 409 DUPLICATE_API : l'opérateur a déjà une offre de ce remote_id. {REVIEW}",
    )
    def partner_create(self, call: Call) -> dict[str, Any]:
        return self.offers.partner_create(call.claims.user_id, offer_payload(call))

    @v2_route(
        "GET",
        OFFERS + "/search",
        summary="Rechercher parmi toutes les offres publiées",
        query=PartnerSearchQuery,
        description=(
            "Les offres que les élèves peuvent trouver (publiées, à jour, avec des places), y compris celles "
            "réservées aux collèges REP/REP+ ou aux lycées en QPV (rep, qpv). Autour d'un point (latitude, "
            "longitude, radius en mètres, 60 000 par défaut) : les plus proches d'abord ; sans point : du nord "
            "au sud. Une offre créée ou modifiée y paraît un instant après."
        ),
    )
    def partner_search(self, call: Call) -> dict[str, Any]:
        return self.offers.partner_search(call.claims.user_id, call.query.model_dump())

    @v2_route(
        "PATCH",
        OFFERS + "/<remote_id>",
        summary="Modifier une offre (published_at null la dépublie)",
        documented_body=PartnerOfferChangesPayload,
        errors=(400, 403, 404, 422),
        description=(
            f"Les champs donnés remplacent ceux de l'offre ; son remote_id ne change pas. {BODY_ERRORS} {REVIEW} "
            "Une modification acceptée lève la marque quand plus rien ne la justifie."
        ),
    )
    def partner_update(self, call: Call) -> dict[str, Any]:
        return self.offers.partner_update(call.claims.user_id, call.path["remote_id"], offer_payload(call))

    @v2_route(
        "DELETE",
        OFFERS + "/<remote_id>",
        summary="Supprimer une offre",
        errors=(403, 404, 409, 422),
        description=f"409 API_ALREADY_DESTROYED : déjà supprimée ; 422 WRONG_PARAMS : élèves déjà retenus. {REVIEW}",
    )
    def partner_destroy(self, call: Call) -> dict[str, Any]:
        return self.offers.partner_destroy(call.claims.user_id, call.path["remote_id"])
