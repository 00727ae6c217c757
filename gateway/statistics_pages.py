"""The administrators' page « Statistiques » (read-only) and its CSV export."""

from __future__ import annotations

from werkzeug.wrappers import Response

from gateway import csv_files, statistics
from gateway.page_routing import Page, page
from gateway.statistics_routes import gather

ADMIN = {"roles": ("admin",), "login_path": "/connexion"}
CSV_NAME = "statistiques-{school_year}.csv"


class StatisticsPages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    @page("GET", "/statistiques", "Statistiques de l'année scolaire (administrateurs)", **ADMIN)
    def statistics_page(self, current: Page) -> Response:
        assert current.user is not None
        report = gather(self, current.user)
        return current.render("statistics.html", report=report, number=statistics.french_number)

    @page("GET", "/statistiques.csv", "Statistiques : export CSV (administrateurs)", **ADMIN)
    def statistics_csv(self, current: Page) -> Response:
        assert current.user is not None
        report = gather(self, current.user)
        response = Response(statistics.csv_bytes(report), content_type=csv_files.MEDIA_TYPE)
        filename = CSV_NAME.format(school_year=report["school_year"])
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return current.finish(response)
