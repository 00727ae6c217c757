"""A pupil's favourite offers (« Mes offres favorites ») on the wire: the list's query and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.common.contracts.search import MAX_PER_PAGE, PER_PAGE, OfferFound


class FavouritesQuery(BaseModel):
    """``?page=&per_page=``."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=PER_PAGE, ge=1, le=MAX_PER_PAGE)


class FavouriteOffer(OfferFound):
    """A favourite offer: the search's result shape, and whether pupils can still apply to it."""

    distance_km: float | None = Field(  # type: ignore[assignment]
        description="Distance à vol d'oiseau depuis l'établissement de l'élève, en km (null s'il est inconnu)."
    )
    available: bool = Field(
        description=(
            "Faux quand l'offre n'est plus publiée (dépubliée par l'organisme, ou plus ouverte à cet élève) : "
            "elle reste dans la liste, marquée « n'est plus disponible ». Une offre supprimée n'y figure plus."
        )
    )
    added_at: datetime = Field(description="Quand l'élève l'a ajoutée à ses favoris.")


class FavouritesPage(BaseModel):
    total: int
    page: int
    per_page: int
    results: list[FavouriteOffer]
