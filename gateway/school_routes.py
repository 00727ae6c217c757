"""Routes of the schools directory and of the weeks schools choose (the matching service)."""

from __future__ import annotations

from typing import Any

from gateway.routing import Call, route
from services.common.contracts.schools import (
    HighlightedWeek,
    PointQuery,
    SchoolList,
    SchoolOut,
    SchoolSearchQuery,
    SchoolWeeks,
    SchoolWeeksBody,
)

SCHOOL = "/api/v1/schools/<uai>"


class SchoolRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    matching: Any

    @route(
        "GET",
        "/api/v1/schools",
        summary="Chercher un établissement",
        tag="établissements",
        query=SchoolSearchQuery,
        response=SchoolList,
        auth=False,
        description=(
            "Par nom, ville, code postal ou UAI, sans tenir compte des accents ni de la casse ; "
            "avec latitude et longitude, les plus proches d'abord (distance_km)."
        ),
    )
    def search_schools(self, call: Call) -> dict[str, Any]:
        query = call.query
        return self.matching.search_schools(query.q, query.latitude, query.longitude, query.per_page, query.page)

    @route(
        "GET", SCHOOL, summary="Un établissement", tag="établissements", response=SchoolOut, auth=False, errors=(404,)
    )
    def get_school(self, call: Call) -> dict[str, Any]:
        return self.matching.get_school(call.path["uai"])

    @route(
        "GET",
        SCHOOL + "/weeks",
        summary="Les semaines de stage choisies par l'établissement",
        tag="établissements",
        response=SchoolWeeks,
        auth=False,
        errors=(404,),
        description="Les semaines de collège de l'année scolaire en cours, passées comprises.",
    )
    def get_school_weeks(self, call: Call) -> dict[str, Any]:
        return self.matching.get_school_weeks(call.path["uai"])

    @route(
        "PUT",
        SCHOOL + "/weeks",
        summary="Choisir les semaines de stage de l'établissement",
        tag="établissements",
        body=SchoolWeeksBody,
        response=SchoolWeeks,
        errors=(403, 404),
        description=(
            "Par l'équipe de l'établissement seulement (chef d'établissement, professeurs). Remplace les "
            "semaines à venir ; chaque semaine est une semaine de collège de l'année scolaire en cours, non "
            "passée. Les semaines passées restent inchangées."
        ),
    )
    def set_school_weeks(self, call: Call) -> dict[str, Any]:
        return self.matching.set_school_weeks(call.actor, call.path["uai"], call.body.weeks)

    @route(
        "GET",
        "/api/v1/weeks/highlighted",
        summary="Semaines de collège et nombre d'établissements à 60 km qui les ont choisies",
        tag="offres",
        query=PointQuery,
        response=HighlightedWeek,
        response_is_list=True,
        auth=False,
        description="Pour le lieu du stage : aide l'hébergeur à choisir ses semaines (règle des 60 km).",
    )
    def highlighted_weeks(self, call: Call) -> list[dict[str, Any]]:
        return self.matching.highlighted_weeks(call.query.latitude, call.query.longitude)
