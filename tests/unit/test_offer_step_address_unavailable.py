"""The offer form's first step while the gateway's address index is still being built: what the
host typed is saved, and the step says to send it again (no lost data, no error page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from gateway import offer_form
from gateway.offer_pages import OfferPages
from gateway.page_routing import Page
from gateway.routing import Call
from services.common.errors import DomainError
from services.common.session_tokens import SessionClaims

pytestmark = pytest.mark.unit

TYPED = {
    "title": "Découvrir le fournil",
    "place.street": "12 rue d'Austerlitz",
    "place.zipcode": "69004",
    "place.city": "Lyon",
    "action": "next",
}


class Drafts:
    def __init__(self) -> None:
        self.saved: list[dict[str, Any]] = []

    def save_offer_draft(self, actor: dict[str, Any], draft_id: int, content: dict[str, Any]) -> dict[str, Any]:
        self.saved.append(content)
        return {"id": draft_id, "content": content, "offer_id": None}


class Team:
    def get_team(self, actor: dict[str, Any]) -> dict[str, Any]:
        return {"spaces": [{"id": 1, "name": "Boulangerie", "is_default": True}]}


class Addresses:
    def __init__(self, error: DomainError | None) -> None:
        self.error = error

    def locate(self, street: str, zipcode: str, city: str) -> Any:
        if self.error is not None:
            raise self.error
        return None


class Lookups:
    def __init__(self, error: DomainError | None) -> None:
        self.addresses = Addresses(error)


def posted_step(error: DomainError | None) -> tuple[Any, Drafts]:
    pages = OfferPages()
    drafts = Drafts()
    pages.offers, pages.identity, pages.lookups = drafts, Team(), Lookups(error)
    request = EnvironBuilder(method="POST", path="/mes-offres/brouillons/7/offre", data=TYPED).get_request()
    host = SessionClaims(1, "employer", "s", datetime.now(UTC) + timedelta(hours=1), team_id=3)
    current = Page(Call(request=request, path={"draft_id": 7, "step": "offre"}), None, "csrf", host)
    step = offer_form.step_named("offre")
    return pages._save_step(current, {"id": 7, "content": {}, "offer_id": None}, step), drafts


def test_the_typed_address_is_saved_and_the_step_asks_to_send_it_again():
    unavailable = DomainError("SERVICE_UNAVAILABLE", "L'index se prépare.", retry_after=5)
    answer, drafts = posted_step(unavailable)
    assert answer.status_code == 422
    assert drafts.saved and drafts.saved[-1]["place"]["street"] == "12 rue d'Austerlitz"
    page = answer.get_data(as_text=True)
    assert "La recherche d&#39;adresse démarre" in page and "12 rue d&#39;Austerlitz" in page
    assert offer_form.PLACE_NOT_FOUND.split(":")[0] not in page


def test_an_address_the_index_does_not_know_is_said_not_found():
    answer, _ = posted_step(None)
    assert answer.status_code == 422
    assert "Adresse introuvable" in answer.get_data(as_text=True)


def test_another_failure_of_the_lookup_is_not_taken_for_a_preparing_index():
    with pytest.raises(DomainError):
        posted_step(DomainError("INTERNAL_ERROR", "Autre chose."))
