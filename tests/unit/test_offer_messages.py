"""The email telling a host's team that an offer needs updating."""

from __future__ import annotations

import html

import pytest

from services.common.contracts.offers import OfferNeedsUpdate
from services.notifications import offer_messages
from services.notifications.convention_messages import Person
from services.notifications.outgoing import Channel

pytestmark = pytest.mark.unit

PUBLIC_URL = "https://1eleve1stage.example/"
HOSTS = [Person("helene@boulangerie.example", "Hélène"), Person("marc@boulangerie.example", None)]


def notice(reason: str) -> OfferNeedsUpdate:
    return OfferNeedsUpdate.model_validate(
        {"offer_id": 42, "version": 3, "team_id": 5, "space_id": 8, "title": "Fournil & vente", "reason": reason}
    )


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("past_weeks", "Toutes les semaines de l'offre sont passées"),
        ("no_seats_left", "Toutes les places sont prises"),
        ("previous_school_year", "Offre publiée pour l'année scolaire précédente"),
    ],
)
def test_each_host_notified_gets_one_email_with_the_reason_and_the_link_to_update(reason, said):
    messages = offer_messages.offer_needs_update(PUBLIC_URL, notice(reason), [*HOSTS, HOSTS[0]])
    assert [message.recipient for message in messages] == [host.email for host in HOSTS]
    first, second = messages
    assert first.channel is Channel.EMAIL and first.template == "offer_needs_update"
    assert first.subject == "Votre offre de stage est à mettre à jour"
    assert "Bonjour Hélène," in first.body and "Bonjour," in second.body
    assert f"Votre offre « Fournil & vente » est à mettre à jour : {said}." in first.body
    assert "https://1eleve1stage.example/mon-espace/offres/42" in first.body
    assert first.html is not None
    assert "Fournil &amp; vente" in first.html  # escaped in HTML
    assert said in html.unescape(first.html)
