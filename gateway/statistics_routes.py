"""The administrators' figures as JSON (GET /api/v1/statistics): the offers' and conventions'
aggregates of the current school year, for the whole country or the caller's academy."""

from __future__ import annotations

from typing import Any

from gateway import statistics
from gateway.routing import Call, route
from services.common.academies import departments_of
from services.common.contracts.identity import ADMIN_ROLE
from services.common.contracts.statistics import StatisticsOut
from services.common.errors import DomainError
from services.common.session_tokens import SessionClaims


def gather(service: Any, claims: SessionClaims) -> dict[str, Any]:
    """The ``StatisticsOut`` an administrator sees (403 for anybody else): their academy's
    departments, or every department for a national administrator."""
    if claims.role != ADMIN_ROLE:
        raise DomainError("FORBIDDEN", "Les statistiques sont réservées aux administrateurs de la plateforme.")
    academy = service.identity.get_user(claims.user_id).get("academy")
    departments = departments_of(academy) if academy else None
    return statistics.shape(
        service.offers.offer_statistics(departments),
        service.conventions.convention_statistics(departments),
        academy,
    )


class StatisticsRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    identity: Any
    offers: Any
    conventions: Any

    @route(
        "GET",
        "/api/v1/statistics",
        summary="Statistiques de l'année scolaire (administrateurs)",
        tag="statistiques",
        response=StatisticsOut,
        errors=(403,),
        description=(
            "Offres publiées et places par département et par classe, part des offres réservées (REP, QPV, "
            "établissements), candidatures et conventions par statut, pour l'année scolaire en cours. "
            "Administrateurs seulement (403 FORBIDDEN sinon) ; un administrateur d'académie ne voit que les "
            "départements de son académie (le département du lieu du stage)."
        ),
    )
    def get_statistics(self, call: Call) -> dict[str, Any]:
        return gather(self, call.claims)
