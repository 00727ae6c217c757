"""Offers marked « à mettre à jour » by the review pass (the operators' command, on the running
platform): first in the host's offers, in the API and on « Mes offres », with the reason in
French, the host emailed the link to update it; hidden from pupils and visitors (the same 404 as
an unpublished offer, no application) until the host updates it, but for a pupil who applied to
it: « Mes candidatures » links it, and its page shows it read-only, closed to applications."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from html import unescape

import pytest
import requests
from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common.database import create_service_engine
from services.common.school_calendar import SchoolYear, today_in_paris
from services.offers import review_offers
from services.offers.models import Offer
from tests.support.conventions import SCHOOL_UAI, application_body
from tests.support.mailbox import messages_to, text_of, token_in, wait_for_mail
from tests.support.offers import offer_body
from tests.support.page_session import PageSession
from tests.support.stack import Stack, private_stack

pytestmark = pytest.mark.e2e

PASSWORD = "un-mot-de-passe-solide"
SUBJECT = "Votre offre de stage est à mettre à jour"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    """A platform of this module's own: the review pass looks at every offer, and would mark
    (and hide from search) the other tests' full or past offers on the shared one."""
    with private_stack(amqp_uri, tmp_path_factory.mktemp("review"), "review", {"RPC_TIMEOUT": "10"}) as running:
        yield running


@pytest.fixture(scope="module")
def schools(stack) -> None:
    from tests.support.schools import load_sample

    load_sample(stack.env["DATABASE_URL_MATCHING"])


def host_with_token(stack, role: str = "employer", **fields: str) -> tuple[str, dict[str, str]]:
    """A confirmed account's address and API headers (a host's unless ``role`` says otherwise)."""
    email = f"a-jour-{uuid.uuid4().hex[:6]}@example.fr"
    body = {"email": email, "password": PASSWORD, "first_name": "Inès", "last_name": "Perrin", "role": role, **fields}
    assert requests.post(f"{stack.url}/api/v1/auth/signup", json=body, timeout=10).status_code == 201
    [mail] = wait_for_mail(stack.state_dir, email)
    requests.post(f"{stack.url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=10).raise_for_status()
    login = requests.post(f"{stack.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
    return email, {"Authorization": f"Bearer {login.json()['token']}"}


def store(stack, offer_id: int, **values: object) -> None:
    """Change the stored offer as another part of the platform (or time) would."""
    engine = create_service_engine(stack.env["DATABASE_URL_OFFERS"])
    with Session(engine) as session, session.begin():
        session.execute(update(Offer).where(Offer.id == offer_id).values(**values))
    engine.dispose()


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_an_offer_with_no_seat_left_comes_first_in_the_host_s_offers_with_its_reason(stack, monkeypatch, capsys):
    email, auth = host_with_token(stack)
    url = f"{stack.url}/api/v1/offers"
    full = requests.post(url, json=offer_body(title="Atelier complet", max_candidates=1), headers=auth, timeout=10)
    newer = requests.post(url, json=offer_body(title="Atelier ouvert"), headers=auth, timeout=10)
    full_id, newer_id = full.json()["id"], newer.json()["id"]
    # Its one seat taken (conventions' approved count, as its seat event stores it).
    store(stack, full_id, approved_count=1)

    monkeypatch.setenv("AMQP_URI", stack.env["AMQP_URI"])
    assert review_offers.main([]) == 0
    assert '"marked": 1' in capsys.readouterr().out

    listing = requests.get(url, headers=auth, timeout=10).json()["results"]
    assert [(offer["id"], offer["need_to_be_updated"], offer["update_reason"]) for offer in listing] == [
        (full_id, True, "no_seats_left"),
        (newer_id, False, None),
    ]

    browser = PageSession(stack.url)
    assert browser.log_in(email, PASSWORD, "/offreur/connexion") == "/mon-espace/offres"
    page = browser.get("/mon-espace/offres").text
    assert page.index("Atelier complet") < page.index("Atelier ouvert")
    assert "Toutes les places sont prises" in page
    assert page.count("à mettre à jour") == 1
    # the page the email links to says why too
    offer_page = browser.get(f"/mon-espace/offres/{full_id}").text
    assert "Toutes les places sont prises" in offer_page
    assert "Toutes les places sont prises" not in browser.get(f"/mon-espace/offres/{newer_id}").text

    deadline = time.monotonic() + 15
    while not (told := [m for m in messages_to(stack.state_dir, email) if str(m["Subject"]) == SUBJECT]):
        assert time.monotonic() < deadline, "no email to the host"
        time.sleep(0.2)
    [mail] = told
    assert "Toutes les places sont prises" in text_of(mail)
    assert f"{stack.url}/mon-espace/offres/{full_id}" in text_of(mail)


def test_pupils_and_visitors_find_an_offer_to_update_nowhere_and_cannot_apply_until_it_is_updated(
    stack, schools, monkeypatch, capsys
):
    host_email, host = host_with_token(stack)
    pupil_email, pupil = host_with_token(stack, "student", school_uai=SCHOOL_UAI, grade="troisieme")
    url = f"{stack.url}/api/v1/offers"
    offer_id = requests.post(url, json=offer_body(title="Atelier de l'an passé"), headers=host, timeout=10).json()["id"]
    hidden_id = requests.post(url, json=offer_body(title="Atelier masqué"), headers=host, timeout=10).json()["id"]
    assert requests.post(f"{url}/{hidden_id}/unpublish", headers=host, timeout=10).status_code == 200
    favourite = f"{stack.url}/api/v1/favourites/{offer_id}"
    assert eventually(lambda: requests.put(favourite, headers=pupil, timeout=10).status_code == 200)
    # Published for the school year before: what a new school year makes of every offer.
    store(stack, offer_id, school_year=SchoolYear.current(today_in_paris()).start_year - 1)
    monkeypatch.setenv("AMQP_URI", stack.env["AMQP_URI"])
    assert review_offers.main([]) == 0
    assert '"marked": 1' in capsys.readouterr().out

    unpublished = requests.get(f"{url}/{hidden_id}/preview", headers=pupil, timeout=10)
    assert unpublished.status_code == 404
    browser = PageSession(stack.url)
    browser.log_in(pupil_email, PASSWORD, "/eleve/connexion")
    for headers in (pupil, {}):
        answer = requests.get(f"{url}/{offer_id}/preview", headers=headers, timeout=10)
        assert (answer.status_code, answer.json()) == (404, unpublished.json())
    assert requests.get(f"{stack.url}/offres/{offer_id}", timeout=10).status_code == 404  # a visitor
    for path in (f"/offres/{offer_id}", f"/offres/{offer_id}/postuler", f"/offres-de-stage/{offer_id}"):
        assert (path, browser.get(path).status_code) == (path, 404)
    apply = f"{url}/{offer_id}/applications"
    refused = requests.post(apply, json=application_body(), headers={**pupil, "Idempotency-Key": "a1"}, timeout=10)
    assert (refused.status_code, refused.json()["code"]) == (404, "NOT_FOUND")

    # the pupil's favourite stays, said unavailable, without a link to a page that is not found
    def favourites_page() -> str:
        return unescape(browser.get("/mes-offres-favorites").text)

    assert eventually(lambda: "Cette offre n'est plus disponible" in favourites_page())
    assert f'href="/offres/{offer_id}"' not in favourites_page()
    [listed] = requests.get(f"{stack.url}/api/v1/favourites", headers=pupil, timeout=10).json()["results"]
    assert (listed["id"], listed["available"]) == (offer_id, False)

    # the host's team still reads it, with the reason, and its update lifts the mark
    assert requests.get(f"{url}/{offer_id}/preview", headers=host, timeout=10).status_code == 200
    host_browser = PageSession(stack.url)
    host_browser.log_in(host_email, PASSWORD, "/offreur/connexion")
    host_page = unescape(host_browser.get(f"/mon-espace/offres/{offer_id}").text)
    assert "Offre publiée pour l'année scolaire précédente" in host_page
    updated = requests.patch(f"{url}/{offer_id}", json={"title": "Atelier de cette année"}, headers=host, timeout=10)
    assert (updated.json()["need_to_be_updated"], updated.json()["update_reason"]) == (False, None)
    assert requests.get(f"{url}/{offer_id}/preview", timeout=10).json()["title"] == "Atelier de cette année"
    assert browser.get(f"/offres/{offer_id}").status_code == 200
    applied = requests.post(apply, json=application_body(), headers={**pupil, "Idempotency-Key": "a2"}, timeout=10)
    assert applied.status_code == 201, applied.text
    assert eventually(lambda: f'href="/offres/{offer_id}"' in favourites_page())


def test_a_pupil_who_applied_still_reads_the_offer_once_closed_but_no_one_else_does(
    stack, schools, monkeypatch, capsys
):
    _, host = host_with_token(stack)
    pupil_email, pupil = host_with_token(stack, "student", school_uai=SCHOOL_UAI, grade="troisieme")
    other_email, _ = host_with_token(stack, "student", school_uai=SCHOOL_UAI, grade="troisieme")
    url = f"{stack.url}/api/v1/offers"

    def publish(**fields: object) -> int:
        return requests.post(url, json=offer_body(**fields), headers=host, timeout=10).json()["id"]

    full_id, hidden_id = publish(title="Atelier du fournil", max_candidates=1), publish(title="Atelier de reliure")

    # The pupil applies to both; the host accepts the first and the pupil confirms it (which
    # cancels the other, for the same week): its one seat is taken, then the review marks it.
    def apply(offer_id: int) -> int:
        headers = {**pupil, "Idempotency-Key": f"closed-{offer_id}"}
        answer = requests.post(f"{url}/{offer_id}/applications", json=application_body(), headers=headers, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    accepted, cancelled = apply(full_id), apply(hidden_id)
    applications = f"{stack.url}/api/v1/applications"
    for action, headers in (("validate", host), ("approve", pupil)):
        answer = requests.post(f"{applications}/{accepted}/{action}", headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
    status = requests.get(f"{applications}/{cancelled}", headers=pupil, timeout=10).json()["status"]
    assert status == "cancelled"
    assert eventually(lambda: requests.get(f"{url}/{full_id}", headers=host, timeout=10).json()["remaining_seats"] == 0)
    assert requests.post(f"{url}/{hidden_id}/unpublish", headers=host, timeout=10).status_code == 200
    monkeypatch.setenv("AMQP_URI", stack.env["AMQP_URI"])
    assert review_offers.main([]) == 0
    assert '"marked": 1' in capsys.readouterr().out

    # « Mes candidatures » links both offers, and each link opens the offer read-only
    browser = PageSession(stack.url)
    browser.log_in(pupil_email, PASSWORD, "/eleve/connexion")
    listing = browser.get("/mes-candidatures").text
    for offer_id, title in ((full_id, "Atelier du fournil"), (hidden_id, "Atelier de reliure")):
        assert f'href="/offres/{offer_id}"' in listing
        answer = browser.get(f"/offres/{offer_id}")
        page = unescape(answer.text)
        assert (answer.status_code, title in page) == (200, True)
        assert "Cette offre n'est plus ouverte aux candidatures" in page
        assert ">Postuler<" not in page and f"/offres/{offer_id}/postuler" not in page
        assert "Ajouter aux favoris" not in page and "Retirer des favoris" not in page
        # still closed: no application through the form, and the API's preview keeps its 404
        assert browser.get(f"/offres/{offer_id}/postuler").status_code == 404
        assert requests.get(f"{url}/{offer_id}/preview", headers=pupil, timeout=10).status_code == 404

    # another pupil, and a visitor, find neither
    other = PageSession(stack.url)
    other.log_in(other_email, PASSWORD, "/eleve/connexion")
    for offer_id in (full_id, hidden_id):
        assert other.get(f"/offres/{offer_id}").status_code == 404
        assert requests.get(f"{stack.url}/offres/{offer_id}", timeout=10).status_code == 404
