"""A pupil's own pages over HTTP, as a browser without JavaScript uses them (and the JSON calls
the pages' scripts make): « Mes offres favorites » (add from the offer's page and the search's
results, list, remove; the API's rules), the small map of an offer's page, and the pupil's page
of their convention with « Signer la convention »."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.e2e.test_host_application_pages import Browser, account, ok, text
from tests.e2e.test_host_convention_pages import Parties, ready_to_sign
from tests.e2e.test_search_journey import CLAUDEL, NEAR_CLAUDEL, publish
from tests.support.conventions import HOST_PART, drawn_signature
from tests.support.polling import eventually
from tests.support.sms import texts_to, wait_for_code

pytestmark = pytest.mark.e2e

FAVOURITES = "/mes-offres-favorites"


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def favourite_form(browser: Browser, offer_id: int, action: str, back: str) -> requests.Response:
    """What « Ajouter aux favoris » / « Retirer des favoris » posts (a plain form)."""
    return browser.post(FAVOURITES, {"offer_id": str(offer_id), "action": action, "suite": back})


def test_a_pupil_keeps_offers_as_favourites(stack, schools):
    host_email, host = account(stack, "employer")
    title = f"Atelier de reliure {uuid.uuid4().hex[:6]}"
    offer = publish(stack, host, title=title, place=NEAR_CLAUDEL)
    offer_path = f"/offres/{offer['id']}"
    pupil_email, pupil_api = account(stack, "student", "Léa", school_uai=CLAUDEL, grade="troisieme")
    pupil = Browser(stack)
    pupil.log_in("/eleve/connexion", pupil_email)

    # the offer's page: the button, and the map's container with the place (the address in text)
    page = pupil.get(offer_path)
    assert page.status_code == 200 and ">Ajouter aux favoris" in page.text
    assert 'action="/mes-offres-favorites"' in page.text and f'name="suite" value="{offer_path}"' in page.text
    assert 'id="carte-offre"' in page.text and "data-offer-map" in page.text
    assert f'data-latitude="{NEAR_CLAUDEL["latitude"]}" data-longitude="{NEAR_CLAUDEL["longitude"]}"' in page.text
    assert f'data-title="{title}"' in text(page) and "3 rue Küss, 75013 Paris" in text(page)
    assert '<script type="module" src="/static/js/offer-map.mjs">' in page.text
    assert "data-offer-map-section hidden" in page.text  # shown by the script only: the address is the page
    assert pupil.get("/static/js/offer-map.mjs").status_code == 200
    nav = pupil.get("/mes-candidatures")
    assert f'href="{FAVOURITES}">Mes offres favorites</a>' in nav.text

    # add: back on the offer's page, which now offers to remove it
    added = favourite_form(pupil, offer["id"], "add", offer_path)
    assert (added.status_code, added.headers["Location"]) == (303, offer_path)
    back = text(pupil.follow(added))
    assert f"« {title} » est ajoutée à vos offres favorites." in back and ">Retirer des favoris" in back
    assert favourite_form(pupil, offer["id"], "add", offer_path).status_code == 303  # a double click

    listed = pupil.get(FAVOURITES)
    page = text(listed)
    assert listed.status_code == 200 and "1 offre favorite" in page and title in page
    assert f'href="{offer_path}"' in listed.text and ">Retirer des favoris" in page
    assert "n'est plus disponible" not in page

    # the search's results say which offers are favourites, and come back to the same page
    found = pupil.get(f"/rechercher-un-stage?keyword={title.split()[-1]}")
    assert found.status_code == 200 and title in text(found)
    assert re.search(rf'id="favori-{offer["id"]}">Retirer des favoris', found.text)

    # the JSON API, as the page's session or a bearer token uses it
    mine = ok(pupil.api("GET", "/api/v1/favourites"))
    assert mine["total"] == 1 and mine["page"] == 1 and mine["per_page"] == 20
    [favourite] = mine["results"]
    assert favourite["id"] == offer["id"] and favourite["title"] == title and favourite["available"] is True
    assert favourite["distance_km"] == pytest.approx(0.4, abs=0.3) and favourite["city"] == "Paris"
    again = ok(requests.put(f"{stack.url}/api/v1/favourites/{offer['id']}", headers=pupil_api, timeout=10))
    assert again["added_at"] == favourite["added_at"]  # idempotent
    for method in ("GET", "PUT", "DELETE"):
        path = "/api/v1/favourites" if method == "GET" else f"/api/v1/favourites/{offer['id']}"
        refused = requests.request(method, stack.url + path, headers=host, timeout=10)
        assert (method, refused.status_code) == (method, 403)
        assert requests.request(method, stack.url + path, timeout=10).status_code == 401
    for method in ("PUT", "DELETE"):
        unknown = requests.request(method, f"{stack.url}/api/v1/favourites/987654321", headers=pupil_api, timeout=10)
        assert (method, unknown.status_code, unknown.json()["code"]) == (method, 404, "NOT_FOUND")
    forged = pupil.api("PUT", f"/api/v1/favourites/{offer['id']}", csrf=False)
    assert (forged.status_code, forged.json()["code"]) == (403, "CSRF_FAILED")
    unknown = pupil.follow(favourite_form(pupil, 987654321, "add", FAVOURITES))
    assert "Cette offre n'existe pas ou n'est plus publiée." in text(unknown)

    # unpublished by the host: still listed, said unavailable
    ok(requests.post(f"{stack.url}/api/v1/offers/{offer['id']}/unpublish", headers=host, timeout=10))
    assert eventually(lambda: "Cette offre n'est plus disponible" in text(pupil.get(FAVOURITES)), interval=0.1)
    assert ok(pupil.api("GET", "/api/v1/favourites"))["results"][0]["available"] is False
    ok(requests.post(f"{stack.url}/api/v1/offers/{offer['id']}/publish", headers=host, timeout=10))

    # remove from the list: back on the list, now empty
    removed = favourite_form(pupil, offer["id"], "remove", FAVOURITES)
    assert (removed.status_code, removed.headers["Location"]) == (303, FAVOURITES)
    empty = text(pupil.follow(removed))
    assert "L'offre est retirée de vos offres favorites." in empty
    assert "Vous n'avez pas encore d'offre favorite" in empty and title not in empty
    gone = requests.delete(f"{stack.url}/api/v1/favourites/{offer['id']}", headers=pupil_api, timeout=10)
    assert gone.status_code == 204  # idempotent
    assert ">Ajouter aux favoris" in pupil.get(offer_path).text

    # nobody else sees the buttons; the list is the pupils'
    anonymous = requests.get(stack.url + offer_path, timeout=10)
    assert "favoris" not in anonymous.text and "data-offer-map" in anonymous.text
    someone = Browser(stack)
    assert someone.get(FAVOURITES).headers["Location"] == f"/eleve/connexion?suite={FAVOURITES}"
    host_browser = Browser(stack)
    host_browser.log_in("/offreur/connexion", host_email)
    assert host_browser.get(FAVOURITES).status_code == 403
    assert "favoris" not in host_browser.get(offer_path).text


@pytest.fixture(scope="module")
def ready(stack, schools) -> Parties:
    """A convention ready to sign."""
    return ready_to_sign(stack, -3)


def test_the_pupil_reads_and_signs_their_own_convention(stack, ready):
    page_path = f"/mes-conventions/{ready.convention_id}"
    pupil = Browser(stack)
    assert pupil.get(page_path).headers["Location"] == f"/eleve/connexion?suite={page_path}"
    pupil.log_in("/eleve/connexion", ready.pupil_email)

    listed = pupil.get("/mes-conventions")
    assert f'href="{page_path}">Voir la convention' in listed.text
    featured = pupil.get(f"/mes-conventions?convention={ready.convention_id}")  # where « Stage confirmé » leads
    assert f'href="{page_path}">Voir la convention</a>' in featured.text

    shown = pupil.get(page_path)
    page = text(shown)
    assert shown.status_code == 200 and "Ma convention de stage" in page
    assert ready.offer["title"] in page and ">prête à signer<" in page
    assert "l'organisme d'accueil, le chef d'établissement, vous et le représentant légal" in page
    assert HOST_PART["tutor_name"] in page and HOST_PART["activities"] in page  # the host's part, read-only
    assert f'href="/api/v1/conventions/{ready.convention_id}/pdf"' in shown.text
    assert 'id="signer-ma-convention" data-signing-open>Signer la convention</button>' in shown.text
    assert f'data-convention-id="{ready.convention_id}"' in shown.text and 'id="signature-phone"' in shown.text
    assert '<script type="module" src="/static/js/signing.mjs">' in shown.text
    assert 'name="convention_ids"' not in shown.text  # one convention: nothing to tick

    # without JavaScript the button says what signing needs
    posted = pupil.post(page_path)
    assert "La signature électronique a besoin de JavaScript" in text(pupil.follow(posted))

    # the page's script: the one convention, the code by SMS, the drawing
    body = {"convention_ids": [ready.convention_id], "phone": "06 44 55 66 77"}
    before = len([sms for sms in texts_to(stack.state_dir, "+33644556677") if "code" in sms])
    request = ok(pupil.api("POST", "/api/v1/signatures/code", body), 202)
    assert request["convention_ids"] == [ready.convention_id]
    code = wait_for_code(stack.state_dir, "+33644556677", before + 1)
    signing = {"signature_request_id": request["signature_request_id"], "code": code}
    signed = pupil.api("POST", "/api/v1/signatures/sign", {**signing, "signature_image": drawn_signature()})
    assert ok(signed) == {"signed": [ready.convention_id]}

    # the page as the script reloads its state: signed by the pupil, nothing more to sign
    after = pupil.get(page_path)
    page = text(after)
    assert "Vous avez signé cette convention." in page and "L'élève (Zoé Brûlé) a signé le" in page
    assert ">signatures en cours<" in page and "data-signing-open" not in after.text
    assert 'id="etat-convention"' in after.text and "data-signing-refresh" in after.text

    # another pupil's, or a host: not theirs
    other_email, _ = account(stack, "student", "Yanis", school_uai=CLAUDEL, grade="troisieme")
    other = Browser(stack)
    other.log_in("/eleve/connexion", other_email)
    assert other.get(page_path).status_code == 404
    host = Browser(stack)
    host.log_in("/offreur/connexion", ready.host_email)
    assert host.get(page_path).status_code == 403
