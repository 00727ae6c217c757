"""Routes of the partner API v2, compatible with the national platform's (API.md, "Partner
API v2"): operators' login and the sectors list; the offers routes build on the same
``v2_route``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from werkzeug.wrappers import Request, Response

from gateway.client_address import client_address
from gateway.error_statuses import status_of
from gateway.routing import Call, json_response
from gateway.v2 import v2_route
from gateway.web_server import http
from services.common import partner_errors
from services.common.contracts.identity import PartnerLoginRequest, PartnerToken
from services.common.errors import DomainError
from services.common.sectors import SECTORS


class SectorOut(BaseModel):
    id: int
    name: str
    external_url: str
    uuid: str


class SectorList(BaseModel):
    sectors: list[SectorOut]


# The list never changes while a process runs.
_SECTOR_LIST = {
    "sectors": [{"id": sector.id, "name": sector.name, "external_url": "", "uuid": sector.code} for sector in SECTORS]
}


class PartnerRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any

    @v2_route(
        "POST",
        "/api/v2/auth/login",
        summary="Obtenir un jeton d'opérateur (valable 24 h)",
        body=PartnerLoginRequest,
        response=PartnerToken,
        auth=False,
        errors=(401, 429),
        description=(
            "Comptes opérateurs seulement ; tout autre compte, ou un mauvais mot de passe, reçoit 401 "
            "UNAUTHORIZED. Après 10 échecs en 15 minutes pour une adresse, 429 avec Retry-After."
        ),
    )
    def partner_login(self, call: Call) -> dict[str, str]:
        try:
            return self.identity.partner_login(call.body.model_dump(), client_address(call.request))
        except DomainError as exc:
            # Wrong password, unknown address, another role, unconfirmed email: one answer.
            if status_of(exc) in (401, 403):
                raise partner_errors.unauthorized(partner_errors.INVALID_CREDENTIALS_MESSAGE) from None
            raise

    @v2_route("GET", "/api/v2/sectors", summary="Les 51 secteurs d'activité", response=SectorList)
    def partner_sectors(self, call: Call) -> dict[str, Any]:
        return _SECTOR_LIST

    @http("GET,POST,PUT,PATCH,DELETE", "/api/v2/<path:rest>")
    def partner_unknown_route(self, request: Request, rest: str) -> Response:
        """Anything else under /api/v2 answers 404 in the v2 error format."""
        return json_response({"code": "NOT_FOUND", "error": f"no route matches /api/v2/{rest}"}, 404)
