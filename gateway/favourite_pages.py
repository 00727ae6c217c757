"""« Mes offres favorites »: a pupil's favourite offers, and the one form that adds or removes
a favourite from any page (the offer's page, the search's results, this list) without
JavaScript: it posts here, then goes back where the pupil was.

An offer the host unpublished, or one marked « à mettre à jour », stays listed, marked « n'est
plus disponible » and without a link (its page answers 404 to pupils): it comes back when
published or updated again; a deleted offer leaves the list (the matching service's rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from gateway.application_pages import Pagination, positive_int
from gateway.error_statuses import status_of
from gateway.favourites import MY_FAVOURITES
from gateway.page_routing import Page, page, safe_next
from gateway.search_pages import card
from services.common.errors import DomainError

PUPIL = {"roles": ("student",), "login_path": "/eleve/connexion"}
PER_PAGE = 20
ACTIONS = ("add", "remove")
UNKNOWN_ACTION = "Action inconnue."
REMOVED = "L'offre est retirée de vos offres favorites."


def favourite_card(result: Mapping[str, Any]) -> dict[str, Any]:
    """A favourite as its card shows it: the search's card, and whether it is still available."""
    distance = result.get("distance_km")
    shown = card({**result, "distance_km": distance if distance is not None else 0.0})
    if distance is None:
        shown["distance"] = ""  # the pupil's school is not in the directory: no distance to give
    shown["available"] = bool(result["available"])
    return shown


def added_text(title: str) -> str:
    """The message after « Ajouter aux favoris »."""
    return f"« {title} » est ajoutée à vos offres favorites."


class FavouritePages:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    matching: Any

    @page(
        "GET,POST",
        MY_FAVOURITES,
        "Mes offres favorites (élève) ; le formulaire « Ajouter aux favoris » / « Retirer des favoris »",
        **PUPIL,
    )
    def my_favourites_page(self, current: Page) -> Response:
        if current.method == "POST":
            return self._change_favourite(current)
        page_number = positive_int(current.args.get("page")) or 1
        listing = self.matching.list_favourites(current.actor, {"page": page_number, "per_page": PER_PAGE})
        return current.render(
            "pupils/favourites.html",
            cards=[favourite_card(item) for item in listing["results"]],
            total=listing["total"],
            pagination=Pagination.of(listing, MY_FAVOURITES, {}),
        )

    def _change_favourite(self, current: Page) -> Response:
        back = safe_next(current.form.get("suite"), MY_FAVOURITES)
        action = current.form.get("action") or ""
        offer_id = positive_int(current.form.get("offer_id"))
        if action not in ACTIONS or offer_id is None:
            return current.redirect(back, UNKNOWN_ACTION, kind="error")
        try:
            if action == "add":
                added = self.matching.add_favourite(current.actor, offer_id)
            else:
                self.matching.remove_favourite(current.actor, offer_id)
        except DomainError as exc:
            if status_of(exc) != 404:
                raise
            return current.redirect(back, exc.message, kind="error")
        return current.redirect(back, added_text(added["title"]) if action == "add" else REMOVED)
