"""The host's page « Statistiques de mes offres » (read-only): the figures of
``GET /api/v1/offers/statistics``, per offer, per space and for the team."""

from __future__ import annotations

from werkzeug.wrappers import Response

from gateway import host_statistics, offer_form, statistics
from gateway.host_statistics_routes import collect
from gateway.offer_pages import HOST, MY_OFFERS
from gateway.page_routing import Page, page

STATISTICS_PAGE = MY_OFFERS + "/statistiques"


class HostStatisticsPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    @page("GET", STATISTICS_PAGE, "Statistiques de mes offres : consultations, candidatures, conventions", **HOST)
    def host_statistics_page(self, current: Page) -> Response:
        collected = collect(self, current.actor)
        report = host_statistics.shape(*collected)
        statuses = {offer["id"]: offer_form.offer_status(offer) for offer in collected.offers}
        spaces = {space["space_id"]: space["name"] for space in report["spaces"]}
        return current.render(
            "offers/statistics.html",
            report=report,
            statuses=statuses,
            spaces=spaces,
            several_spaces=len(spaces) > 1,
            number=statistics.french_number,
        )
