"""What every page showing offers needs of a pupil's favourites: which of its offers are
favourites (one RPC for the page), and where their « Ajouter aux favoris » / « Retirer des
favoris » forms post (``gateway.favourite_pages``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.common.session_tokens import SessionClaims

MY_FAVOURITES = "/mes-offres-favorites"
PUPIL = "student"


def shows_buttons(user: SessionClaims | None) -> bool:
    """Only a logged-in pupil keeps favourites, so only they see the buttons."""
    return user is not None and user.role == PUPIL


def favourites_among(matching: Any, user: SessionClaims | None, actor: Any, offer_ids: Iterable[int]) -> set[int]:
    """Which of ``offer_ids`` the logged-in pupil keeps as favourites (none for anyone else)."""
    wanted = list(offer_ids)
    if not shows_buttons(user) or not wanted:
        return set()
    return set(matching.favourite_offer_ids(actor, wanted))
