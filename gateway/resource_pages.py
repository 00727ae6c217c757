"""Pages of Ressources utiles (the tutorial's step 5): the communication kit (a flyer and a
poster as PDFs, an e-mail signature), good practices, the two FAQs and the API documentation.
Public pages: no login."""

from __future__ import annotations

from typing import Any

from eventlet import tpool
from werkzeug.wrappers import Response

from gateway.page_routing import Page, page
from gateway.resources_kit import KIT, KitCache
from services.common.config import Settings
from services.common.errors import DomainError
from services.common.school_calendar import SchoolYear, french_date, today_in_paris

# One per process: the documents change only with the platform's address and school year.
_kit = KitCache(tpool.execute)
# Anonymous visitors' browsers and shared caches may keep a document for a day.
KIT_CACHE_CONTROL = "public, max-age=86400"


def _public_url() -> str:
    return Settings.from_env().public_url


def email_signature(public_url: str) -> dict[str, str]:
    """The e-mail signature a host can paste: its HTML and its plain text."""
    html = (
        '<p style="margin:0;font-family:Arial,sans-serif;font-size:13px;color:#161616">'
        "Notre structure accueille des élèves en stage d'observation avec "
        f'<a href="{public_url}" style="color:#000091">1 élève 1 stage</a>.</p>'
    )
    text = f"Notre structure accueille des élèves en stage d'observation avec 1 élève 1 stage : {public_url}"
    return {"html": html, "text": text}


def calendar_facts(school_year: SchoolYear) -> dict[str, str]:
    """The dates the FAQs give for the current school year (collège weeks, seconde period)."""
    return {
        "school_year": f"{school_year.start_year}-{school_year.start_year + 1}",
        "college_first": french_date(school_year.first_college_week.monday),
        "college_last": french_date(school_year.last_college_week.friday),
        "seconde": school_year.seconde.label("two_weeks"),
    }


class ResourcePages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    @page("GET", "/ressources", "Ressources utiles : kit de communication, signature d'e-mail, bonnes pratiques")
    def resources_page(self, current: Page) -> Response:
        public_url = _public_url()
        return current.render("resources/index.html", kit=list(KIT.values()), signature=email_signature(public_url))

    @page("GET", "/ressources/kit/<document>", "Kit de communication : le flyer et l'affiche en PDF")
    def kit_document_page(self, current: Page) -> Response:
        document = KIT.get(current.call.path["document"])
        if document is None:
            raise DomainError("NOT_FOUND", "Ce document n'existe pas.")
        pdf = _kit.pdf(document, _public_url())
        response = Response(pdf, content_type="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
        response.headers["Cache-Control"] = KIT_CACHE_CONTROL
        # Returned as is, without the page's cookies (a new browser's CSRF cookie): a shared
        # cache may keep this answer, and must not hand one browser's cookie to others.
        return response

    @page("GET", "/ressources/faq-offreurs", "FAQ offreurs : publier, accueillir, signer")
    def host_faq_page(self, current: Page) -> Response:
        return self._faq(current, "resources/faq_hosts.html")

    @page("GET", "/ressources/faq-stages", "FAQ stages : durée, horaires, assurance, convention")
    def internship_faq_page(self, current: Page) -> Response:
        return self._faq(current, "resources/faq_internships.html")

    def _faq(self, current: Page, template: str) -> Response:
        school_year = SchoolYear.current(today_in_paris())
        return current.render(template, calendar=calendar_facts(school_year))

    @page("GET", "/ressources/documentation-api", "Documentation API : l'API v1 et l'API partenaires v2")
    def api_documentation_page(self, current: Page) -> Response:
        context: dict[str, Any] = {"public_url": _public_url()}
        return current.render("resources/api.html", **context)
