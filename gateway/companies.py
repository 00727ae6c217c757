"""The organisation behind a SIRET, to fill in the host's offer form: a port, two adapters.

- ``NationalCompanyDirectory``: the State's public « recherche d'entreprises » API
  (``COMPANY_API_URL``), built on INSEE's Sirene directory. Whatever goes wrong there
  (timeout, refused connection, 5xx, bad JSON), it answers None and logs a warning: the
  host then types the name, as without the service.
- ``NoCompanyDirectory``: offline, there is no public copy of Sirene to read (a packaged one
  would weigh gigabytes): it answers None, and the host types the name.

``company_directory()`` chooses the adapter from the environment.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import requests

from services.common.config import env_float
from services.common.identifiers import is_valid_siret

_log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0
# Legal categories of INSEE's nomenclature starting with 7: bodies under administrative law
# (State, local authorities, public establishments…).
_PUBLIC_CATEGORY_PREFIX = "7"


@dataclass(frozen=True)
class Company:
    """An establishment: its organisation's name, public sector or not (None: unknown), its address."""

    siret: str
    name: str
    is_public: bool | None
    address: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the API answers."""
        return asdict(self)


class CompanyDirectory(Protocol):
    """Where organisations are found by SIRET (the port the gateway's routes use)."""

    def find(self, siret: str) -> Company | None:
        """The establishment of this SIRET; None when the SIRET is invalid, unknown, or cannot be looked up."""
        ...


def normalize_siret(value: str) -> str:
    """The SIRET without the spaces people type in it (``552 100 554 00025``)."""
    return re.sub(r"\s", "", value)


class NationalCompanyDirectory:
    """The « recherche d'entreprises » API: GET ``{url}/search?q={siret}``."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"

    def find(self, siret: str) -> Company | None:
        """The establishment whose SIRET matches among the answers; None (logged) when the service fails."""
        siret = normalize_siret(siret)
        if not is_valid_siret(siret):
            return None
        try:
            response = self.session.get(f"{self.url}/search", params={"q": siret}, timeout=self.timeout)
            response.raise_for_status()
            results = response.json()["results"]
            return next((c for c in (_company_of(siret, r) for r in results) if c is not None), None)
        except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError) as exc:
            _log.warning("company directory failed, no answer: %s", exc, extra={"company_api": self.url})
            return None


def _company_of(siret: str, result: dict[str, Any]) -> Company | None:
    """The company of one search result when it holds the establishment (or is its organisation)."""
    establishments = [result.get("siege") or {}, *(result.get("matching_etablissements") or [])]
    establishment = next((e for e in establishments if e.get("siret") == siret), None)
    if establishment is None and result.get("siren") != siret[:9]:
        return None
    name = str(result.get("nom_complet") or result.get("nom_raison_sociale") or "").strip()
    if not name:
        return None
    address = (establishment or {}).get("adresse")
    return Company(siret, name, _is_public(result), str(address) if address else None)


def _is_public(result: dict[str, Any]) -> bool | None:
    """The directory's own verdict when it gives one, else what the legal category says; None if neither."""
    complements = result.get("complements") or {}
    verdict = complements.get("est_service_public")
    if isinstance(verdict, bool):
        return verdict or bool(complements.get("collectivite_territoriale"))
    if complements.get("collectivite_territoriale"):
        return True
    category = str(result.get("nature_juridique") or "")
    return category.startswith(_PUBLIC_CATEGORY_PREFIX) if category else None


class NoCompanyDirectory:
    """Offline: nobody is found, the host types the organisation's name."""

    def find(self, siret: str) -> Company | None:
        """Always None: no public copy of the Sirene directory is installed."""
        return None


def company_directory() -> CompanyDirectory:
    """``NationalCompanyDirectory`` when ``COMPANY_API_URL`` is set (``LOOKUP_TIMEOUT`` seconds,
    default 2), else ``NoCompanyDirectory``."""
    url = os.environ.get("COMPANY_API_URL", "").strip()
    if url:
        return NationalCompanyDirectory(url, env_float("LOOKUP_TIMEOUT", DEFAULT_TIMEOUT))
    return NoCompanyDirectory()
