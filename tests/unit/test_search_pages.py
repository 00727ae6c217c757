"""The search page's plain parts: reading its form, labelling its results, the map's files and tiles."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict

from gateway import pages
from gateway.routing import content_security_policy
from gateway.search_pages import SearchForm, count_label, distance_label, read_form, weeks_labels

WEEKS = {"2027-W03", "2027-W04"}


def test_the_form_keeps_only_what_it_can_give_and_asks_the_api_the_same():
    args = MultiDict(
        [
            ("radius_km", "20"),
            ("weeks", "2027-W04"),
            ("weeks", "2027-W03"),
            ("weeks", "1999-W01"),
            ("sector", "s12"),
            ("keyword", "  boulangerie   bio "),
            ("autour_de", "Lyon"),
            ("latitude", "45.75"),
            ("longitude", "4.85"),
            ("page", "2"),
        ]
    )
    form = read_form(args, WEEKS)
    assert (form.radius_km, form.weeks, form.sector, form.keyword, form.page) == (
        20,
        ["2027-W03", "2027-W04"],
        "s12",
        "boulangerie bio",
        2,
    )
    query = form.api_query()
    assert query["weeks"] == "2027-W03,2027-W04" and (query["latitude"], query["longitude"]) == (45.75, 4.85)
    wrong = read_form(MultiDict({"radius_km": "100", "sector": "x", "latitude": "nan", "page": "-3"}), WEEKS)
    assert (wrong.radius_km, wrong.sector, wrong.latitude, wrong.page) == (60, "", None, 1)
    assert "latitude" not in wrong.api_query()


def test_page_links_keep_the_search_and_end_with_the_page_number():
    link = SearchForm(radius_km=10, weeks=["2027-W03"], keyword="vélo", place="Lyon 2e").link_base()
    assert link.endswith("&page=")
    pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    assert pairs == [
        ("radius_km", "10"),
        ("weeks", "2027-W03"),
        ("keyword", "vélo"),
        ("autour_de", "Lyon 2e"),
        ("page", ""),
    ]


def test_results_in_words():
    assert [distance_label(km) for km in (0.4, 3.0, 12.4, 59.6)] == ["à 0,4 km", "à 3 km", "à 12 km", "à 60 km"]
    assert [count_label(n) for n in (0, 1, 12)] == ["Aucune offre", "1 offre", "12 offres"]
    assert weeks_labels({"all_year": True, "weeks": ["2027-W03"]}) == ["Toute l'année"]
    five = {"all_year": False, "weeks": ["2027-W03", "2027-W04", "2027-W05", "2027-W06", "2027-W07"]}
    assert weeks_labels(five) == [
        "Semaine du 18 au 22 janvier 2027",
        "Semaine du 25 au 29 janvier 2027",
        "Semaine du 1er au 5 février 2027",
        "et 2 autres semaines",
    ]


def test_leaflets_files_come_from_their_packages_only():
    assert pages.leaflet_asset("leaflet.js").status_code == 200
    assert pages.leaflet_asset("markercluster/MarkerCluster.css").status_code == 200
    for path in ("../package.json", "markercluster/../../leaflet/dist/leaflet.js", "leaflet.js.map", "/etc/passwd"):
        assert pages.leaflet_asset(path).status_code == 404, path


def test_the_policy_lets_images_come_from_the_map_tiles_server_when_there_is_one():
    assert "img-src 'self' data: blob:;" in content_security_policy("")
    tiles = content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org;" in tiles
    assert "img-src 'self' data: blob:;" in content_security_policy("javascript:alert(1)")
