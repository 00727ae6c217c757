"""« Rechercher un stage » over HTTP, as a browser without JavaScript uses it: the page's results
are the API's for the same search (a pupil's defaults, an anonymous visitor around a city,
the filters), the map's markers are the list's, and Leaflet's files are served."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
import requests

from tests.e2e.test_host_journey import logged_in_host
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, RODIN, eventually_found, logged_in, publish
from tests.support.mailbox import token_in, wait_for_mail
from tests.support.page_session import PageSession
from tests.support.schools import load_sample

pytestmark = pytest.mark.e2e

PASSWORD = "un-mot-de-passe-solide"
SEARCH = "/rechercher-un-stage"
CARD = re.compile(r'<div class="fr-card fr-enlarge-link" ([^>]*)>')
ATTRIBUTE = re.compile(r'data-([a-z-]+)="([^"]*)"')
COUNT = re.compile(r'<h2 id="resultats"[^>]*>([^<]*)</h2>')
VERSAILLES = {"latitude": 48.8049, "longitude": 2.1204}  # about 18 km from NEAR_CLAUDEL


@pytest.fixture(scope="module")
def schools(stack) -> None:
    load_sample(stack.env["DATABASE_URL_MATCHING"])


@pytest.fixture(scope="module")
def offers(stack, schools) -> dict[str, dict]:
    """Offers near the collège Claudel: two open ones (two sectors), one reserved to another school."""
    host = logged_in_host(stack)
    word = uuid.uuid4().hex[:8]
    both = {"grades": ["troisieme", "seconde"], "seconde_period": "two_weeks", "place": NEAR_CLAUDEL}
    reserved = publish(
        stack,
        host,
        title=f"Réservée au lycée {word}",
        reserved_for={"rep": False, "qpv": False, "school_uai": RODIN},
        **both,
    )
    bakery = publish(stack, host, title=f"Fournil {word}", sector="s12", **both)
    kitchen = publish(stack, host, title=f"Cuisine {word}", sector="s26", college_weeks="all_year", **both)
    here = {"latitude": NEAR_CLAUDEL["latitude"], "longitude": NEAR_CLAUDEL["longitude"]}
    for offer in (bakery, kitchen):
        assert offer["id"] in eventually_found(stack, offer["id"], **here)
    lyceen = logged_in(stack, "student", school_uai=RODIN, grade="seconde")
    assert reserved["id"] in eventually_found(stack, reserved["id"], lyceen)
    return {"word": word, "reserved": reserved, "bakery": bakery, "kitchen": kitchen}


def new_pupil(stack, uai: str = CLAUDEL, grade: str = "troisieme") -> PageSession:
    """A pupil who signed up, confirmed their address and logged in through the login page."""
    email = f"eleve-{uuid.uuid4().hex[:6]}@example.fr"
    body = {"email": email, "password": PASSWORD, "first_name": "Inès", "last_name": "Brûlé", "role": "student"}
    created = requests.post(
        f"{stack.url}/api/v1/auth/signup", json={**body, "school_uai": uai, "grade": grade}, timeout=10
    )
    assert created.status_code == 201, created.text
    [mail] = wait_for_mail(stack.state_dir, email)
    requests.post(f"{stack.url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=10).raise_for_status()
    browser = PageSession(stack.url)
    browser.log_in(email, PASSWORD)
    return browser


def cards_of(html: str) -> list[dict[str, str]]:
    """The result cards' data attributes, in the page's order."""
    return [
        {name: unescape(value) for name, value in ATTRIBUTE.findall(match.group(1))} for match in CARD.finditer(html)
    ]


def shown(browser: PageSession, **params) -> tuple[list[int], str]:
    answer = browser.get(SEARCH, params=params)
    assert answer.status_code == 200, answer.text[:2000]
    count = COUNT.search(answer.text)
    assert count, answer.text[:2000]
    return [int(card["offer-id"]) for card in cards_of(answer.text)], unescape(count.group(1)).strip()


def answered(browser: PageSession, **params) -> tuple[list[int], str]:
    answer = browser.get("/api/v1/offers/search", params=params)
    assert answer.status_code == 200, answer.text
    total = answer.json()["total"]
    label = "Aucune offre" if total == 0 else f"{total} offre{'s' if total > 1 else ''}"
    return [offer["id"] for offer in answer.json()["results"]], label


def test_a_pupil_sees_what_the_api_answers_them_and_not_the_offers_of_other_schools(stack, offers):
    pupil = new_pupil(stack)
    ids, count = shown(pupil)
    assert (ids, count) == answered(pupil)  # the same session: their school, grade and weeks
    assert {offers["bakery"]["id"], offers["kitchen"]["id"]} <= set(ids)
    assert offers["reserved"]["id"] not in ids
    page = pupil.get(SEARCH).text
    assert f'href="/offres/{offers["bakery"]["id"]}"' in page and "Toute l&#39;année" in page
    for params in ({"radius_km": 5, "keyword": offers["word"]}, {"keyword": "cuisine"}):
        assert shown(pupil, **params) == answered(pupil, **params)
    kitchen = shown(pupil, keyword="cuisine")[0]
    assert offers["kitchen"]["id"] in kitchen and offers["bakery"]["id"] not in kitchen


def test_an_anonymous_visitor_searches_around_a_city_with_filters_as_the_api_does(stack, address_index, offers):
    visitor = PageSession(stack.url)
    first = visitor.get(SEARCH)
    assert first.status_code == 200 and 'id="resultats"' not in first.text and "Autour de" in first.text
    [place] = visitor.get("/api/v1/places/suggestions", params={"q": "75013", "limit": 1}).json()["results"]
    here = {"latitude": place["latitude"], "longitude": place["longitude"]}
    ids, count = shown(visitor, autour_de="75013")  # without JavaScript: the server finds the place
    assert (ids, count) == answered(visitor, **here)
    assert shown(visitor, autour_de=place["label"], **here) == (ids, count)  # a suggestion chosen
    # Among this test's offers (the session's other tests publish around Paris too):
    ours = shown(visitor, autour_de="75013", keyword=offers["word"])[0]
    assert offers["bakery"]["id"] in ours and offers["reserved"]["id"] not in ours

    near = {"latitude": VERSAILLES["latitude"], "longitude": VERSAILLES["longitude"]}
    word = offers["word"]
    for radius in (10, 20):
        assert shown(visitor, radius_km=radius, keyword=word, **near) == answered(
            visitor, radius_km=radius, keyword=word, **near
        )
    assert offers["bakery"]["id"] in shown(visitor, radius_km=20, keyword=word, **near)[0]
    assert shown(visitor, radius_km=10, keyword=word, **near) == ([], "Aucune offre")

    unknown = visitor.get(SEARCH, params={"autour_de": "Xqzwv"})
    assert unknown.status_code == 422 and "Aucun lieu trouvé pour « Xqzwv »" in unescape(unknown.text)


def test_the_maps_markers_are_the_lists_results(stack, offers):
    visitor = PageSession(stack.url)
    here = {"latitude": NEAR_CLAUDEL["latitude"], "longitude": NEAR_CLAUDEL["longitude"], "keyword": offers["word"]}
    page = visitor.get(SEARCH, params=here).text
    cards = cards_of(page)
    results = visitor.get("/api/v1/offers/search", params=here).json()["results"]
    assert [int(card["offer-id"]) for card in cards] == [result["id"] for result in results]
    assert [card["title"] for card in cards] == [result["title"] for result in results]
    assert 'id="carte"' in page and 'aria-label="Carte des offres de cette page"' in page
    assert 'href="#apres-la-carte">Passer la carte' in page and "data-map-section hidden" in page


def test_the_maps_markers_are_placed_where_the_offers_are(stack, offers):
    visitor = PageSession(stack.url)
    here = {"latitude": NEAR_CLAUDEL["latitude"], "longitude": NEAR_CLAUDEL["longitude"], "keyword": offers["word"]}
    cards = cards_of(visitor.get(SEARCH, params=here).text)
    results = visitor.get("/api/v1/offers/search", params=here).json()["results"]
    assert [(float(card["latitude"]), float(card["longitude"])) for card in cards] == [
        (result["latitude"], result["longitude"]) for result in results
    ]


def test_the_sector_filter_keeps_the_offers_of_that_sector(stack, offers):
    visitor = PageSession(stack.url)
    here = {"latitude": NEAR_CLAUDEL["latitude"], "longitude": NEAR_CLAUDEL["longitude"], "keyword": offers["word"]}
    assert shown(visitor, sector="s26", **here)[0] == [offers["kitchen"]["id"]]
    assert shown(visitor, sector="s26", **here) == answered(visitor, sector="s26", **here)


def test_leaflet_and_the_pages_files_are_served(stack):
    browser = PageSession(stack.url)
    page = browser.get(SEARCH).text
    files = {
        "/static/leaflet/leaflet.js": "text/javascript",
        "/static/leaflet/leaflet.css": "text/css",
        "/static/leaflet/images/marker-icon.png": "image/png",
        "/static/leaflet/markercluster/leaflet.markercluster.js": "text/javascript",
        "/static/leaflet/markercluster/MarkerCluster.Default.css": "text/css",
        "/static/search.css": "text/css",
        "/static/js/search-map.mjs": "text/javascript",
    }
    for path, content_type in files.items():
        answer = browser.get(path)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(content_type), path
        if not path.startswith("/static/leaflet/images"):
            assert f'"{path}"' in page, path
    for path in ("/static/leaflet/../package.json", "/static/leaflet/leaflet.js.map", "/static/leaflet/%2e%2e/x.js"):
        assert browser.get(path).status_code == 404, path
