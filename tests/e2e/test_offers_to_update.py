"""An offer whose seats are all taken, marked « à mettre à jour » by the review pass (the operators'
command, on the running platform): first in the host's offers, in the API and on « Mes offres »,
with its reason in French, and its host emailed the link to update it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common.database import create_service_engine
from services.offers import review_offers
from services.offers.models import Offer
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


def host_with_token(stack) -> tuple[str, dict[str, str]]:
    """A confirmed host's address and API headers."""
    email = f"a-jour-{uuid.uuid4().hex[:6]}@example.fr"
    body = {"email": email, "password": PASSWORD, "first_name": "Inès", "last_name": "Perrin", "role": "employer"}
    assert requests.post(f"{stack.url}/api/v1/auth/signup", json=body, timeout=10).status_code == 201
    [mail] = wait_for_mail(stack.state_dir, email)
    requests.post(f"{stack.url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=10).raise_for_status()
    login = requests.post(f"{stack.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
    return email, {"Authorization": f"Bearer {login.json()['token']}"}


def test_an_offer_with_no_seat_left_comes_first_in_the_host_s_offers_with_its_reason(stack, monkeypatch, capsys):
    email, auth = host_with_token(stack)
    url = f"{stack.url}/api/v1/offers"
    full = requests.post(url, json=offer_body(title="Atelier complet", max_candidates=1), headers=auth, timeout=10)
    newer = requests.post(url, json=offer_body(title="Atelier ouvert"), headers=auth, timeout=10)
    full_id, newer_id = full.json()["id"], newer.json()["id"]
    # Its one seat taken (conventions' approved count, as its seat event stores it).
    engine = create_service_engine(stack.env["DATABASE_URL_OFFERS"])
    with Session(engine) as session, session.begin():
        session.execute(update(Offer).where(Offer.id == full_id).values(approved_count=1))
    engine.dispose()

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
