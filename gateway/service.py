"""The gateway: routes of API.md, each a thin call to the service that owns the data."""

from __future__ import annotations

from typing import Any

from nameko.events import BROADCAST, event_handler
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from gateway import observability, pages
from gateway.account_pages import AccountPages
from gateway.application_pages import ApplicationPages
from gateway.application_routes import ApplicationRoutes
from gateway.auth import Authenticator
from gateway.convention_pages import ConventionPages
from gateway.convention_routes import ConventionRoutes
from gateway.favourite_pages import FavouritePages
from gateway.favourite_routes import FavouriteRoutes
from gateway.lookup_routes import LookupRoutes
from gateway.offer_pages import OfferPages
from gateway.offer_routes import OfferRoutes
from gateway.openapi import build_document
from gateway.partner import PartnerRoutes
from gateway.partner_offer_routes import PartnerOfferRoutes
from gateway.pupil_pages import PupilPages
from gateway.resource_pages import ResourcePages
from gateway.routing import Call, json_response, route
from gateway.school_convention_pages import SchoolConventionPages
from gateway.school_routes import SchoolRoutes
from gateway.school_staff_pages import SchoolStaffPages
from gateway.school_staff_routes import SchoolStaffRoutes
from gateway.school_week_pages import SchoolWeekPages
from gateway.search_pages import SearchPages
from gateway.search_routes import SearchRoutes
from gateway.statistics_pages import StatisticsPages
from gateway.statistics_routes import StatisticsRoutes
from gateway.team_pages import TeamPages
from gateway.team_routes import TeamRoutes
from services.common.config import SERVICES, Settings
from services.common.contracts import events
from services.common.contracts.identity import (
    ConfirmRequest,
    LoginOut,
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    SignupRequest,
    UserOut,
)
from services.common.errors import DomainError
from services.common.rpc import TimedRpcProxy

READY_TIMEOUT = 2.0


class GatewayService(
    AccountPages,
    OfferPages,
    ApplicationPages,
    PupilPages,
    FavouritePages,
    ConventionPages,
    SchoolWeekPages,
    SchoolStaffPages,
    SchoolConventionPages,
    TeamPages,
    ResourcePages,
    SearchPages,
    StatisticsPages,
    LookupRoutes,
    SearchRoutes,
    FavouriteRoutes,
    OfferRoutes,
    ApplicationRoutes,
    ConventionRoutes,
    PartnerRoutes,
    PartnerOfferRoutes,
    SchoolRoutes,
    SchoolStaffRoutes,
    TeamRoutes,
    StatisticsRoutes,
):
    name = "gateway"

    auth = Authenticator()
    identity = TimedRpcProxy("identity")
    offers = TimedRpcProxy("offers")
    matching = TimedRpcProxy("matching")
    conventions = TimedRpcProxy("conventions")
    notifications = TimedRpcProxy("notifications")

    @event_handler("identity", events.SESSION_REVOKED, handler_type=BROADCAST, reliable_delivery=False)
    def on_session_revoked(self, event: dict[str, Any]) -> None:
        """Every gateway instance hears of every logout."""
        self.auth.revoke(event["data"]["session_id"])

    # -- operations ------------------------------------------------------------------------

    @route("GET", "/health", summary="Le gateway répond", tag="exploitation", auth=False)
    def health(self, call: Call) -> dict[str, str]:
        return {"status": "ok"}

    @route(
        "GET",
        "/health/ready",
        summary="Chaque service répond à un ping RPC en moins de 2 s",
        tag="exploitation",
        auth=False,
        errors=(503,),
    )
    def ready(self, call: Call) -> tuple[int, dict[str, Any]]:
        pending = {}
        states: dict[str, str] = {}
        for service in SERVICES:
            try:
                pending[service] = getattr(self, service).ping.call_async(timeout=READY_TIMEOUT)
            except DomainError:
                states[service] = "unavailable"
        for service, reply in pending.items():
            try:
                states[service] = "ok" if reply.result() == "pong" else "unavailable"
            except DomainError:
                states[service] = "unavailable"
        missing = sorted(name for name, state in states.items() if state != "ok")
        if missing:
            return 503, {
                "code": "SERVICE_UNAVAILABLE",
                "message": "Service(s) indisponible(s) : " + ", ".join(missing) + ".",
                "services": dict(sorted(states.items())),
            }
        return 200, {"services": dict(sorted(states.items()))}

    @route("GET", "/metrics", summary="Métriques au format Prometheus", tag="exploitation", auth=False, raw=True)
    def metrics(self, call: Call) -> Response:
        body, content_type = observability.exposition()
        return Response(body, content_type=content_type)

    @route("GET", "/api/openapi.json", summary="Ce document", tag="documentation", auth=False)
    def openapi(self, call: Call) -> dict[str, Any]:
        return build_document(Settings.from_env().public_url)

    @route("GET", "/api/docs", summary="Documentation lisible de l'API", tag="documentation", auth=False, raw=True)
    def docs(self, call: Call) -> Response:
        return pages.api_docs(build_document(Settings.from_env().public_url))

    # -- web pages -------------------------------------------------------------------------

    @route(
        "GET",
        "/static/<name>",
        summary="Feuille de style et scripts communs aux pages",
        tag="web",
        auth=False,
        raw=True,
    )
    def shared_asset(self, call: Call) -> Response:
        return pages.shared_asset(call.path["name"])

    @route("GET", "/static/js/<name>", summary="Modules JavaScript des pages", tag="web", auth=False, raw=True)
    def page_module(self, call: Call) -> Response:
        return pages.page_module(call.path["name"])

    @route(
        "GET",
        "/static/dsfr/<path:path>",
        summary="Le système de design de l'État (DSFR) : styles, scripts, polices, icônes",
        tag="web",
        auth=False,
        raw=True,
    )
    def dsfr_asset(self, call: Call) -> Response:
        return pages.dsfr_asset(call.path["path"])

    # -- accounts --------------------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/auth/signup",
        summary="Créer un compte (un e-mail de confirmation est envoyé)",
        tag="comptes",
        body=SignupRequest,
        response=UserOut,
        status=201,
        auth=False,
        errors=(409,),
    )
    def signup(self, call: Call) -> dict[str, Any]:
        return self.identity.signup(call.body.model_dump(mode="json"))

    @route(
        "POST",
        "/api/v1/auth/confirm",
        summary="Confirmer l'adresse e-mail avec le jeton reçu",
        tag="comptes",
        body=ConfirmRequest,
        response=UserOut,
        auth=False,
        errors=(410,),
    )
    def confirm(self, call: Call) -> dict[str, Any]:
        return self.identity.confirm_email(call.body.model_dump())

    @route(
        "POST",
        "/api/v1/auth/login",
        summary="Se connecter",
        tag="comptes",
        body=LoginRequest,
        response=LoginOut,
        auth=False,
        errors=(401, 403, 429),
        description="Après 10 échecs en 15 minutes pour une adresse, 429 avec l'en-tête Retry-After.",
    )
    def login(self, call: Call) -> dict[str, Any]:
        return self.identity.login(call.body.model_dump(), call.client_ip)

    @route(
        "POST", "/api/v1/auth/logout", summary="Se déconnecter : le jeton ne fonctionne plus", tag="comptes", status=204
    )
    def logout(self, call: Call) -> None:
        self.identity.logout(call.claims.session_id)
        self.auth.revoke(call.claims.session_id)

    @route(
        "POST",
        "/api/v1/auth/password-reset",
        summary="Recevoir un lien de réinitialisation du mot de passe",
        tag="comptes",
        body=PasswordResetRequest,
        status=202,
        auth=False,
        description="Même réponse que l'adresse ait un compte ou non.",
    )
    def password_reset(self, call: Call) -> dict[str, str]:
        self.identity.request_password_reset(call.body.model_dump())
        return {"message": "Si un compte existe pour cette adresse, un e-mail de réinitialisation a été envoyé."}

    @route(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        summary="Choisir un nouveau mot de passe avec le jeton reçu",
        tag="comptes",
        body=PasswordResetConfirm,
        auth=False,
        errors=(410,),
    )
    def password_reset_confirm(self, call: Call) -> dict[str, str]:
        # Other gateways hear of the ended sessions through session_revoked events.
        for session_id in self.identity.reset_password(call.body.model_dump()):
            self.auth.revoke(session_id)
        return {"message": "Votre mot de passe a été modifié. Vous pouvez vous connecter."}

    @route("GET", "/api/v1/me", summary="L'utilisateur connecté", tag="comptes", response=UserOut)
    def me(self, call: Call) -> dict[str, Any]:
        return self.identity.get_user(call.claims.user_id)

    # -- anything else under /api ------------------------------------------------------------

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:rest>")
    def unknown_api_route(self, request: Request, rest: str) -> Response:
        return json_response({"code": "NOT_FOUND", "message": f"Aucune route ne correspond à /api/{rest}."}, 404)
