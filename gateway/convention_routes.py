"""Routes of conventions, of their electronic signature and of their PDF (the conventions service).

Signing takes a bearer token (the host's team and the school's staff sign in batches, the
pupil their own convention) or, for the legal representative who has no account, the
``link_token`` of the emailed link instead.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from gateway import exports
from gateway.client_address import client_address
from gateway.routing import Call, route
from services.common.contracts.conventions import (
    ConventionOut,
    ConventionPatch,
    ConventionStatus,
    SignatureCodeBody,
    SignatureCodeOut,
    SignBody,
    SignOut,
)
from services.common.errors import DomainError, unauthenticated

CONVENTION = "/api/v1/conventions/<int:convention_id>"


class ConventionFilters(BaseModel):
    """The list's filters, which its exports take too."""

    model_config = ConfigDict(extra="ignore")

    status: ConventionStatus | None = None


class ConventionListQuery(ConventionFilters):
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=20, ge=1, le=100)


class ConventionList(BaseModel):
    results: list[ConventionOut]
    total: int
    page: int
    per_page: int


class LinkQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: str = Field(min_length=10, max_length=200, description="Le jeton du lien reçu par e-mail.")


class PdfQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: str | None = Field(
        default=None,
        min_length=10,
        max_length=200,
        description="Sans jeton d'authentification : le jeton du lien reçu par le représentant légal.",
    )


def require_signer(call: Call, link_token: str | None) -> None:
    """401 unless the caller is logged in or brings the legal representative's link token."""
    if call.user is None and not link_token:
        raise unauthenticated(
            "Connectez-vous, ou utilisez le lien reçu par e-mail si vous êtes le représentant légal de l'élève."
        )


def _ascii_filename(filename: str) -> str:
    # The quoted form must stay plain ASCII without quotes; filename* keeps the real name.
    return re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "convention.pdf"


def pdf_response(document: dict[str, Any]) -> Response:
    """The convention's PDF as the service gives it (``filename``, ``pdf_base64``), shown inline."""
    try:
        content = base64.b64decode(document["pdf_base64"], validate=True)
    except (KeyError, binascii.Error, ValueError):
        raise DomainError(
            "PDF_UNAVAILABLE", "Le PDF de la convention n'a pas pu être lu. Réessayez plus tard."
        ) from None
    filename = str(document.get("filename") or "convention.pdf")
    fallback = _ascii_filename(filename)
    disposition = f'inline; filename="{fallback}"'
    if fallback != filename:
        disposition += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(
        content,
        content_type="application/pdf",
        headers={
            "Content-Disposition": disposition,
            # Personal data of a minor, possibly fetched with a link token: keep it out of caches.
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Convention-Final": "true" if document.get("final") else "false",
        },
    )


class ConventionRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    conventions: Any

    # -- conventions ---------------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/conventions",
        summary="Les conventions visibles par l'utilisateur",
        tag="conventions",
        query=ConventionListQuery,
        response=ConventionList,
        errors=(403, 422),
        description=(
            "Élève : les siennes ; structure d'accueil : celles de son équipe ; équipe d'un établissement : "
            "celles de ses élèves."
        ),
    )
    def list_conventions(self, call: Call) -> dict[str, Any]:
        query = call.query
        return self.conventions.list_conventions(call.actor, query.status, query.page, query.per_page)

    @route(
        "GET",
        "/api/v1/conventions/export.csv",
        summary="Exporter les conventions (CSV)",
        tag="conventions",
        query=ConventionFilters,
        raw=True,
        errors=(403, 422),
        description=(
            "Structure d'accueil : celles de son équipe ; équipe d'un établissement : celles de ses élèves. "
            "Le filtre de la liste (status), toutes ses pages, colonnes en français. text/csv en UTF-8 avec "
            "BOM, séparateur « ; », dates JJ/MM/AAAA ; envoyé au fil de la lecture."
        ),
    )
    def export_conventions_csv(self, call: Call) -> Response:
        return self._export_conventions(call, "csv")

    @route(
        "GET",
        "/api/v1/conventions/export.xlsx",
        summary="Exporter les conventions (Excel)",
        tag="conventions",
        query=ConventionFilters,
        raw=True,
        errors=(403, 422),
        description="Les mêmes lignes et colonnes que l'export CSV, en classeur Excel (XLSX).",
    )
    def export_conventions_xlsx(self, call: Call) -> Response:
        return self._export_conventions(call, "xlsx")

    def _export_conventions(self, call: Call, fmt: exports.ExportFormat) -> Response:
        exports.require_exporter(call.claims.role)
        actor, status = call.actor, call.query.status
        rows = exports.listed(lambda page, per_page: self.conventions.list_conventions(actor, status, page, per_page))
        return exports.export_response(
            "conventions", fmt, exports.CONVENTION_COLUMNS, map(exports.convention_cells, rows)
        )

    @route("GET", CONVENTION, summary="Une convention", tag="conventions", response=ConventionOut, errors=(403, 404))
    def get_convention(self, call: Call) -> dict[str, Any]:
        return self.conventions.get_convention(call.actor, call.path["convention_id"])

    @route(
        "PATCH",
        CONVENTION,
        summary="Remplir sa partie de la convention",
        tag="conventions",
        body=ConventionPatch,
        response=ConventionOut,
        errors=(403, 404, 409),
        description=(
            "Tout sous-ensemble des champs. La structure d'accueil remplit tutor_*, activities, daily_hours, "
            "lunch_break ; l'établissement school_manager_name, referent_teacher_*, student_class, "
            "student_birth_date, legal_representative_*. Les champs de l'autre partie : 403 NOT_YOUR_PART."
        ),
    )
    def update_convention(self, call: Call) -> dict[str, Any]:
        patch = call.body.model_dump(mode="json", exclude_unset=True)
        return self.conventions.update_convention(call.actor, call.path["convention_id"], patch)

    @route(
        "POST",
        CONVENTION + "/complete",
        summary="La structure d'accueil a rempli sa partie",
        tag="conventions",
        response=ConventionOut,
        errors=(403, 404, 409, 422),
        description="422 VALIDATION_ERROR nommant les champs de la structure d'accueil encore vides.",
    )
    def complete_convention(self, call: Call) -> dict[str, Any]:
        return self.conventions.complete_convention(call.actor, call.path["convention_id"])

    @route(
        "POST",
        CONVENTION + "/validate",
        summary="L'établissement a rempli sa partie : la convention est prête à signer",
        tag="conventions",
        response=ConventionOut,
        errors=(403, 404, 409, 422),
        description="Statut ready_to_sign. 422 VALIDATION_ERROR nommant les champs de l'établissement encore vides.",
    )
    def validate_convention(self, call: Call) -> dict[str, Any]:
        return self.conventions.validate_convention(call.actor, call.path["convention_id"])

    @route(
        "GET",
        CONVENTION + "/pdf",
        summary="La convention en PDF",
        tag="conventions",
        query=PdfQuery,
        auth="optional",
        raw=True,
        errors=(401, 403, 404, 409, 422),
        description=(
            "Répond application/pdf (Content-Disposition: inline). Avec un jeton d'authentification, ou "
            "?token= le jeton du lien du représentant légal. X-Convention-Final: true pour le PDF final "
            "scellé, une fois toutes les signatures recueillies."
        ),
    )
    def convention_pdf(self, call: Call) -> Response:
        require_signer(call, call.query.token)
        document = self.conventions.convention_pdf(call.actor, call.path["convention_id"], call.query.token)
        return pdf_response(document)

    # -- signatures ----------------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/signatures/link",
        summary="La convention que le représentant légal est invité à signer",
        tag="signatures",
        query=LinkQuery,
        response=ConventionOut,
        auth=False,
        errors=(404, 422),
        description="Sans compte : ?token= le jeton du lien reçu par e-mail ; 404 s'il est inconnu ou expiré.",
    )
    def convention_for_link(self, call: Call) -> dict[str, Any]:
        return self.conventions.convention_for_link(call.query.token)

    @route(
        "POST",
        "/api/v1/signatures/code",
        summary="Recevoir par SMS le code de signature",
        tag="signatures",
        body=SignatureCodeBody,
        response=SignatureCodeOut,
        status=202,
        auth="optional",
        errors=(401, 403, 404, 409, 429),
        description=(
            "Connecté : {convention_ids, phone}, un seul code à 6 chiffres (valable 10 minutes, à usage unique) "
            "pour tout le lot. Représentant légal, sans compte : {link_token, phone}. 429 avec Retry-After "
            "quand les codes sont demandés trop souvent : 3 par quart d'heure pour un signataire, 10 pour une "
            "adresse IP."
        ),
    )
    def request_signature_code(self, call: Call) -> dict[str, Any]:
        require_signer(call, call.body.link_token)
        return self.conventions.request_signature_code(
            call.actor, call.body.model_dump(mode="json"), client_address(call.request)
        )

    @route(
        "POST",
        "/api/v1/signatures/sign",
        summary="Signer avec le code reçu et la signature dessinée",
        tag="signatures",
        body=SignBody,
        response=SignOut,
        auth="optional",
        errors=(401, 403, 404, 409, 410, 422, 423, 429),
        description=(
            "{signature_request_id, code, signature_image} (et link_token pour le représentant légal) → "
            "{signed: [ids]}. Code faux : 422 WRONG_CODE ; expiré : 410 CODE_EXPIRED ; après 5 codes faux : "
            "423 TOO_MANY_ATTEMPTS ; 429 avec Retry-After."
        ),
    )
    def sign(self, call: Call) -> dict[str, Any]:
        require_signer(call, call.body.link_token)
        return self.conventions.sign(call.actor, call.body.model_dump(mode="json"), client_address(call.request))
