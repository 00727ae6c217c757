"""Routes of hosts' offers (the offers service) and of the school calendar."""

from __future__ import annotations

from html import escape
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from gateway.routing import Call, route
from services.common.contracts.offers import (
    OfferBody,
    OfferOut,
    OfferPatch,
    OfferPreview,
    SecondeCalendar,
    WorkingTimeCheck,
    WorkingTimeVerdict,
)
from services.common.errors import not_found
from services.common.school_calendar import SchoolYear, SecondePeriod, today_in_paris
from services.common.sectors import SECTORS
from services.common.working_time import duration_label, schedule_problems, weekly_minutes

OFFER = "/api/v1/offers/<int:offer_id>"


class OfferListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    space_id: int | None = Field(default=None, description="Seulement les offres de cet espace.")
    status: Literal["published", "unpublished"] | None = None
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=20, ge=1, le=100)


class SecondeCalendarQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int | None = Field(default=None, ge=2020, le=2100, description="Année civile du mois de juin concerné.")


class OfferList(BaseModel):
    results: list[OfferOut]
    total: int
    page: int
    per_page: int


def seconde_calendar(year: int) -> dict[str, Any]:
    """The two weeks of the seconde period of June ``year``, with the label of each choice."""
    period = SecondePeriod(year)

    def week(value: Any) -> dict[str, str]:
        return {"week": str(value), "monday": value.monday.isoformat(), "friday": value.friday.isoformat()}

    labels = {choice: period.label(choice) for choice in ("two_weeks", "week_1", "week_2")}
    return {"week_1": week(period.week_1), "week_2": week(period.week_2), "labels": labels}


def sector_image(code: str) -> str:
    """A small SVG card naming the sector: the ``image`` of offers in the partner API."""
    name = next((sector.name for sector in SECTORS if sector.code == code), None)
    if name is None:
        raise not_found("Secteur inconnu.")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160" viewBox="0 0 320 160">'
        '<rect width="320" height="160" rx="12" fill="#e3e3fd"/>'
        f'<text x="160" y="88" font-family="Marianne, Arial, sans-serif" font-size="18" fill="#000091" '
        f'text-anchor="middle">{escape(name)}</text></svg>'
    )


def working_time_verdict(check: WorkingTimeCheck) -> dict[str, Any]:
    """What the working-time rules for minors say of a week's schedule, and its length."""
    return {
        "problems": schedule_problems(check.daily_hours),
        "weekly_hours": duration_label(weekly_minutes(check.daily_hours)),
    }


class OfferRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    offers: Any
    offer_views: Any

    @route(
        "POST",
        "/api/v1/offers",
        summary="Publier une offre",
        tag="offres",
        body=OfferBody,
        response=OfferOut,
        status=201,
        errors=(403, 409),
        description="En-tête Idempotency-Key : un double clic sur « Publier » crée une seule offre.",
    )
    def create_offer(self, call: Call) -> dict[str, Any]:
        key = call.request.headers.get("Idempotency-Key") or None
        return self.offers.create_offer(call.actor, call.body.model_dump(mode="json"), key)

    @route(
        "GET",
        "/api/v1/offers",
        summary="Les offres de l'équipe",
        tag="offres",
        query=OfferListQuery,
        response=OfferList,
        errors=(403,),
    )
    def list_offers(self, call: Call) -> dict[str, Any]:
        query = call.query
        return self.offers.list_offers(call.actor, query.space_id, query.status, query.page, query.per_page)

    @route("GET", OFFER, summary="Une offre de l'équipe", tag="offres", response=OfferOut, errors=(403, 404))
    def get_offer(self, call: Call) -> dict[str, Any]:
        return self.offers.get_offer(call.actor, call.path["offer_id"])

    @route(
        "PATCH",
        OFFER,
        summary="Modifier une offre (tout sous-ensemble des champs)",
        tag="offres",
        body=OfferPatch,
        response=OfferOut,
        errors=(403, 404),
    )
    def update_offer(self, call: Call) -> dict[str, Any]:
        patch = call.body.model_dump(mode="json", exclude_unset=True)
        return self.offers.update_offer(call.actor, call.path["offer_id"], patch)

    @route("DELETE", OFFER, summary="Supprimer une offre", tag="offres", status=204, errors=(403, 404, 409))
    def delete_offer(self, call: Call) -> None:
        self.offers.delete_offer(call.actor, call.path["offer_id"])

    @route(
        "GET",
        OFFER + "/preview",
        summary="L'offre telle que les élèves la voient",
        tag="offres",
        response=OfferPreview,
        auth="optional",
        errors=(404,),
        description="Publique pour une offre publiée ; l'équipe voit ses offres quel que soit leur statut.",
    )
    def preview_offer(self, call: Call) -> dict[str, Any]:
        preview = self.offers.preview_offer(call.actor, call.path["offer_id"])
        self.offer_views(call.user, call.path["offer_id"])  # a pupil's read counts in the host's statistics
        return preview

    @route(
        "POST",
        OFFER + "/duplicate",
        summary="Dupliquer une offre (la copie n'est pas publiée)",
        tag="offres",
        response=OfferOut,
        status=201,
        errors=(403, 404),
    )
    def duplicate_offer(self, call: Call) -> dict[str, Any]:
        return self.offers.duplicate_offer(call.actor, call.path["offer_id"])

    @route(
        "POST",
        OFFER + "/publish",
        summary="Publier de nouveau",
        tag="offres",
        response=OfferOut,
        errors=(403, 404, 409, 422),
    )
    def publish_offer(self, call: Call) -> dict[str, Any]:
        return self.offers.publish_offer(call.actor, call.path["offer_id"])

    @route("POST", OFFER + "/unpublish", summary="Dépublier", tag="offres", response=OfferOut, errors=(403, 404, 409))
    def unpublish_offer(self, call: Call) -> dict[str, Any]:
        return self.offers.unpublish_offer(call.actor, call.path["offer_id"])

    @route(
        "POST",
        "/api/v1/working-time/check",
        summary="Vérifier des horaires au regard du temps de travail des mineurs",
        tag="offres",
        body=WorkingTimeCheck,
        response=WorkingTimeVerdict,
        auth=False,
        description=(
            "Les règles appliquées aux offres : 7 h par jour, 35 h par semaine, rien entre 20 h et 6 h, une "
            "pause de 30 minutes au plus tard après 4 h 30 de présence. Le formulaire d'offre l'appelle pendant "
            "la saisie ; des horaires mal formés répondent 422 comme pour une offre."
        ),
    )
    def check_working_time(self, call: Call) -> dict[str, Any]:
        return working_time_verdict(call.body)

    @route("GET", "/static/sectors/<code>.svg", summary="Image d'un secteur", tag="offres", auth=False, raw=True)
    def sector_image(self, call: Call) -> Response:
        return Response(sector_image(call.path["code"]), content_type="image/svg+xml")

    @route(
        "GET",
        "/api/v1/calendar/seconde",
        summary="Les deux semaines de stage de seconde",
        tag="calendrier",
        query=SecondeCalendarQuery,
        response=SecondeCalendar,
        auth=False,
        description="Sans année : la période de l'année scolaire en cours.",
    )
    def seconde_calendar(self, call: Call) -> dict[str, Any]:
        year = call.query.year or SchoolYear.current(today_in_paris()).seconde.year
        return seconde_calendar(year)
