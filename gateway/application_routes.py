"""Routes of pupils' applications to offers (the conventions service)."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from gateway import exports
from gateway.routing import Call, route
from services.common.contracts.conventions import (
    MAX_REJECTED_AT_ONCE,
    ActionBody,
    ApplicationAction,
    ApplicationBody,
    ApplicationOut,
    ApplicationStatus,
    BulkRejectBody,
    BulkRejectOut,
)
from services.common.errors import not_found

APPLICATION = "/api/v1/applications/<int:application_id>"
APPLICATION_ACTIONS: tuple[str, ...] = get_args(ApplicationAction)


class ApplicationFilters(BaseModel):
    """The list's filters, which its exports take too."""

    model_config = ConfigDict(extra="ignore")

    offer_id: int | None = Field(default=None, description="Seulement les candidatures à cette offre.")
    status: ApplicationStatus | None = None


class ApplicationListQuery(ApplicationFilters):
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=20, ge=1, le=100)


class ApplicationList(BaseModel):
    results: list[ApplicationOut]
    total: int
    page: int
    per_page: int


class ApplicationRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    conventions: Any

    @route(
        "POST",
        "/api/v1/offers/<int:offer_id>/applications",
        summary="Candidater à une offre",
        tag="candidatures",
        body=ApplicationBody,
        response=ApplicationOut,
        status=201,
        errors=(403, 404, 409),
        description=(
            "Par un élève. En-tête Idempotency-Key : un double clic sur « Candidater » crée une seule "
            "candidature ; une seule candidature par élève et par offre (409 sinon)."
        ),
    )
    def apply(self, call: Call) -> dict[str, Any]:
        key = call.request.headers.get("Idempotency-Key") or None
        return self.conventions.apply(call.actor, call.path["offer_id"], call.body.model_dump(mode="json"), key)

    @route(
        "GET",
        "/api/v1/applications",
        summary="Les candidatures visibles par l'utilisateur",
        tag="candidatures",
        query=ApplicationListQuery,
        response=ApplicationList,
        errors=(403, 422),
        description=(
            "Élève : les siennes ; structure d'accueil : celles de son équipe ; équipe d'un établissement : "
            "celles de ses élèves."
        ),
    )
    def list_applications(self, call: Call) -> dict[str, Any]:
        query = call.query
        return self.conventions.list_applications(call.actor, query.offer_id, query.status, query.page, query.per_page)

    @route(
        "GET",
        "/api/v1/applications/export.csv",
        summary="Exporter les candidatures (CSV)",
        tag="candidatures",
        query=ApplicationFilters,
        raw=True,
        errors=(403, 422),
        description=(
            "Structure d'accueil : celles de son équipe ; équipe d'un établissement : celles de ses élèves. "
            "Les filtres de la liste (offer_id, status), toutes ses pages, colonnes en français. text/csv en "
            "UTF-8 avec BOM, séparateur « ; », dates JJ/MM/AAAA ; envoyé au fil de la lecture."
        ),
    )
    def export_applications_csv(self, call: Call) -> Response:
        return self._export_applications(call, "csv")

    @route(
        "GET",
        "/api/v1/applications/export.xlsx",
        summary="Exporter les candidatures (Excel)",
        tag="candidatures",
        query=ApplicationFilters,
        raw=True,
        errors=(403, 422),
        description="Les mêmes lignes et colonnes que l'export CSV, en classeur Excel (XLSX).",
    )
    def export_applications_xlsx(self, call: Call) -> Response:
        return self._export_applications(call, "xlsx")

    def _export_applications(self, call: Call, fmt: exports.ExportFormat) -> Response:
        exports.require_exporter(call.claims.role)
        actor, query = call.actor, call.query
        rows = exports.listed(
            lambda page, per_page: self.conventions.list_applications(
                actor, query.offer_id, query.status, page, per_page
            )
        )
        return exports.export_response(
            "candidatures", fmt, exports.APPLICATION_COLUMNS, map(exports.application_cells, rows)
        )

    @route(
        "POST",
        "/api/v1/applications/reject",
        summary="Refuser plusieurs candidatures avec un même motif",
        tag="candidatures",
        body=BulkRejectBody,
        response=BulkRejectOut,
        errors=(403, 422),
        description=(
            f"Structure d'accueil : {{ids, reason}}, au plus {MAX_REJECTED_AT_ONCE} candidatures. Chacune est "
            "refusée à part, comme par POST /api/v1/applications/{id}/reject, et son élève est prévenu de même : "
            "rejected liste celles refusées, refused les autres avec le code et le message de leur erreur "
            "(NOT_FOUND pour celle d'une autre équipe, INVALID_TRANSITION pour celle qui a déjà une réponse). "
            "Motif vide : 422 VALIDATION_ERROR, rien n'est refusé."
        ),
    )
    def reject_applications(self, call: Call) -> dict[str, Any]:
        return self.conventions.reject_applications(call.actor, call.body.model_dump(mode="json"))

    @route(
        "GET", APPLICATION, summary="Une candidature", tag="candidatures", response=ApplicationOut, errors=(403, 404)
    )
    def get_application(self, call: Call) -> dict[str, Any]:
        return self.conventions.get_application(call.actor, call.path["application_id"])

    @route(
        "POST",
        APPLICATION + "/<action>",
        summary="Faire avancer une candidature",
        tag="candidatures",
        body=ActionBody,
        response=ApplicationOut,
        errors=(403, 404, 409, 422),
        description=(
            "action : read, validate, reject ou cancel (structure d'accueil) ; approve ou cancel (élève). "
            "reject demande un motif {reason}. Transition impossible : 409 INVALID_TRANSITION ; "
            "plus de place : 409 NO_SEAT_LEFT. Approuver crée la convention et annule les autres "
            "candidatures en attente de l'élève pour la même semaine."
        ),
    )
    def act_on_application(self, call: Call) -> dict[str, Any]:
        action = call.path["action"]
        if action not in APPLICATION_ACTIONS:
            raise not_found("Action inconnue ; actions possibles : " + ", ".join(APPLICATION_ACTIONS) + ".")
        body = call.body.model_dump(mode="json", exclude_unset=True)
        return self.conventions.act_on_application(call.actor, call.path["application_id"], action, body)
