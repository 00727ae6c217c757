"""Address suggestions and company look-up for the host's offer form.

Workers reach the adapters chosen from the environment (``gateway/addresses.py``,
``gateway/companies.py``) through ``self.lookups``; the two routes below are what the form's
script calls while the host types.
"""

from __future__ import annotations

from typing import Any

from eventlet.greenthread import GreenThread
from nameko.extensions import DependencyProvider
from pydantic import BaseModel, ConfigDict, Field

from gateway.addresses import AddressBook, address_book, warm_up_enabled
from gateway.companies import CompanyDirectory, company_directory, normalize_siret
from gateway.routing import Call, route
from services.common.errors import DomainError, validation_error
from services.common.identifiers import is_valid_siret

MAX_SUGGESTIONS = 10
INVALID_SIRET = "SIRET invalide (14 chiffres, clé de contrôle incorrecte)."
COMPANY_NOT_FOUND = "Aucun organisme n'a été trouvé pour ce SIRET : saisissez son nom."


class Lookups(DependencyProvider):
    """Gives workers ``addresses`` (an ``AddressBook``) and ``companies`` (a ``CompanyDirectory``),
    built once per process: the offline communes' index is loaded once and shared."""

    addresses: AddressBook
    companies: CompanyDirectory
    _warm_up: GreenThread | None = None

    def setup(self) -> None:
        self.addresses = address_book()
        self.companies = company_directory()

    def start(self) -> None:
        # The index takes seconds to build: in a thread of its own, so that neither the gateway's
        # readiness nor its other routes wait for it. A thread of the container's, killed (with
        # its child process) when the gateway stops.
        if warm_up_enabled():
            self._warm_up = self.container.spawn_managed_thread(
                self.addresses.warm_up, identifier="address index warm-up"
            )

    def stop(self) -> None:
        if self._warm_up is not None:
            self._warm_up.kill()  # no-op once it has ended
            self._warm_up = None

    def get_dependency(self, worker_ctx: Any) -> Lookups:
        return self


class PlaceQuery(BaseModel):
    """What the host has typed so far."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    q: str = Field(
        min_length=2, max_length=200, description="Début d'adresse, de nom de commune ou de code postal (sans accents)."
    )
    limit: int = Field(default=5, ge=1, le=MAX_SUGGESTIONS, description="Nombre de propositions au plus.")


class PlaceOut(BaseModel):
    """A proposed place: ``street`` is empty when only the commune is known (the commune's centre)."""

    label: str = Field(examples=["Lyon 69003"])
    street: str = Field(examples=[""])
    zipcode: str = Field(examples=["69003"])
    city: str = Field(examples=["Lyon"])
    latitude: float
    longitude: float


class PlaceSuggestions(BaseModel):
    """The best matches first."""

    results: list[PlaceOut]


class CompanyOut(BaseModel):
    """The organisation of a SIRET as the national company directory knows it."""

    siret: str = Field(examples=["13002526500013"])
    name: str = Field(examples=["DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)"])
    is_public: bool | None = Field(description="Secteur public ; null quand l'annuaire ne le dit pas.")
    address: str | None = Field(description="Adresse de l'établissement, quand l'annuaire la donne.")


class LookupRoutes:
    """Mixed into the gateway service: nameko finds these entrypoints on it."""

    lookups = Lookups()

    @route(
        "GET",
        "/api/v1/places/suggestions",
        summary="Proposer des adresses pendant la saisie",
        tag="annuaires",
        query=PlaceQuery,
        response=PlaceSuggestions,
        auth=False,
        errors=(422, 503),
        description=(
            "Avec le service national d'adresses (ADDRESS_API_URL), des adresses jusqu'au numéro ; sans lui, "
            "ou quand il ne répond pas, des communes (code postal, nom, coordonnées du centre) : par début de "
            "code postal ou de nom, les plus peuplées d'abord. 503 SERVICE_UNAVAILABLE avec Retry-After "
            "tant que l'index des communes se prépare (quelques secondes après le démarrage du gateway)."
        ),
    )
    def place_suggestions(self, call: Call) -> dict[str, Any]:
        found = self.lookups.addresses.suggest(call.query.q, call.query.limit)
        return {"results": [address.to_dict() for address in found]}

    @route(
        "GET",
        "/api/v1/companies/<siret>",
        summary="Trouver l'organisme d'un SIRET",
        tag="annuaires",
        response=CompanyOut,
        auth=False,
        errors=(404, 422),
        description=(
            "Nom, secteur public ou privé et adresse de l'établissement, d'après l'annuaire national des "
            "entreprises (COMPANY_API_URL). 404 COMPANY_NOT_FOUND quand il ne le connaît pas, ne répond pas "
            "ou n'est pas configuré : l'hôte saisit alors le nom."
        ),
    )
    def company(self, call: Call) -> dict[str, Any]:
        siret = normalize_siret(call.path["siret"])
        if not is_valid_siret(siret):
            raise validation_error({"siret": [INVALID_SIRET]})
        found = self.lookups.companies.find(siret)
        if found is None:
            raise DomainError("COMPANY_NOT_FOUND", COMPANY_NOT_FOUND)
        return found.to_dict()
