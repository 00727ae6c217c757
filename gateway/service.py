"""The gateway: routes of API.md, each a thin call to the service that owns the data."""

from __future__ import annotations

from typing import Any

from nameko.events import BROADCAST
from werkzeug.wrappers import Request, Response

from gateway import observability, pages
from gateway.account_pages import AccountPages
from gateway.account_routes import AccountRoutes
from gateway.application_pages import ApplicationPages
from gateway.application_routes import ApplicationRoutes
from gateway.auth import Authenticator
from gateway.convention_pages import ConventionPages
from gateway.convention_routes import ConventionRoutes
from gateway.favourite_pages import FavouritePages
from gateway.favourite_routes import FavouriteRoutes
from gateway.host_statistics_pages import HostStatisticsPages
from gateway.host_statistics_routes import HostStatisticsRoutes
from gateway.lookup_routes import LookupRoutes
from gateway.metrics_access import metrics_access
from gateway.offer_pages import OfferPages
from gateway.offer_routes import OfferRoutes
from gateway.openapi import build_document
from gateway.partner import PartnerRoutes
from gateway.partner_offer_routes import PartnerOfferRoutes
from gateway.pupil_pages import PupilPages
from gateway.resource_pages import ResourcePages
from gateway.routing import Call, route, unknown_route_response
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
from gateway.web_server import http
from services.common.config import SERVICES, Settings
from services.common.contracts import events
from services.common.errors import DomainError
from services.common.idempotency import idempotent_by_design
from services.common.redelivery import reliable_handler
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
    HostStatisticsPages,
    AccountRoutes,
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
    HostStatisticsRoutes,
):
    name = "gateway"

    auth = Authenticator()
    identity = TimedRpcProxy("identity", fail_fast=True)
    offers = TimedRpcProxy("offers", fail_fast=True)
    matching = TimedRpcProxy("matching", fail_fast=True)
    conventions = TimedRpcProxy("conventions", fail_fast=True)
    notifications = TimedRpcProxy("notifications", fail_fast=True)

    # Each instance's own queue, gone with it: a revocation matters only to a running gateway.
    # ``revoke`` adds to a set in memory and cannot wait on anything: the redelivery wrapper
    # is there only so that a malformed event is dead-lettered like any other.
    @reliable_handler("identity", events.SESSION_REVOKED, handler_type=BROADCAST, reliable_delivery=False)
    @idempotent_by_design("no processed_events row: revoking a session twice leaves one revocation")
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

    @route(
        "GET",
        "/metrics",
        summary="Métriques au format Prometheus",
        tag="exploitation",
        auth=False,
        raw=True,
        errors=(401, 403),
        description=(
            "Avec METRICS_TOKEN configuré : en-tête « Authorization: Bearer <METRICS_TOKEN> », sinon 401. "
            "Sans METRICS_TOKEN : les clients de la boucle locale seulement, les autres reçoivent 403."
        ),
    )
    def metrics(self, call: Call) -> Response:
        metrics_access(call.request)
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

    # -- anything else under /api ------------------------------------------------------------

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:rest>")
    def unknown_api_route(self, request: Request, rest: str) -> Response:
        return unknown_route_response(request)
