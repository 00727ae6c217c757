"""The reminders' emails: who gets them, their French subject and copy, and their links."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.contracts.conventions import ApplicationsAwaitingHost, ConventionAwaitingSignatures
from services.notifications import convention_messages as cm
from services.notifications.convention_messages import Person
from services.notifications.outgoing import Channel

pytestmark = pytest.mark.unit

PUBLIC_URL = "https://1eleve1stage.example/"
HOSTS = [Person("helene@boulangerie.example", "Hélène"), Person("marc@boulangerie.example", "Marc")]
HEAD = Person("principal@college.example", "Paule")
PUPIL, PARENT = "zoe.martin@example.fr", "claire.martin@example.fr"


def awaiting_host() -> ApplicationsAwaitingHost:
    return ApplicationsAwaitingHost.model_validate(
        {
            "team_id": 3,
            "space_id": 4,
            "applications": [
                {
                    "application_id": 11,
                    "offer_title": "Découverte de la boulangerie",
                    "student_name": "Zoé Martin",
                    "weeks": ["2027-W03"],
                    "waiting_since": "2026-11-29T23:30:00+00:00",
                },
                {
                    "application_id": 12,
                    "offer_title": "Fournil & <vente>",
                    "student_name": "Léo Petit",
                    "weeks": ["2027-W04"],
                    "waiting_since": "2026-11-30T08:00:00+00:00",
                },
            ],
        }
    )


def awaiting_signatures(awaiting: list[str], **changes: Any) -> ConventionAwaitingSignatures:
    values: dict[str, Any] = {
        "convention_id": 5,
        "offer_title": "Découverte de la boulangerie",
        "team_id": 3,
        "space_id": 4,
        "school_uai": "0752694W",
        "student_id": 21,
        "student_first_name": "Zoé",
        "student_name": "Zoé Martin",
        "student_email": PUPIL,
        "start_date": "2027-01-18",
        "end_date": "2027-01-22",
        "legal_representative_name": "Claire Martin",
        "legal_representative_email": PARENT,
        "legal_representative_phone": "+33698765432",
        "link_token": "nouveau-jeton-0123456789",
        "awaiting": awaiting,
    }
    return ConventionAwaitingSignatures.model_validate({**values, **changes})


def test_each_host_notified_for_the_space_gets_one_email_listing_every_application_with_its_link():
    messages = cm.applications_awaiting_host(PUBLIC_URL, awaiting_host(), [*HOSTS, HOSTS[0]])
    assert [message.recipient for message in messages] == [host.email for host in HOSTS]
    message = messages[0]
    assert message.channel is Channel.EMAIL and message.template == "applications_awaiting_host"
    assert message.subject == "Des candidatures attendent votre réponse"
    assert "Bonjour Hélène," in message.body
    assert "2 candidatures à vos offres de stage attendent votre réponse depuis plus de 7 jours" in message.body
    # the date is Paris's: 23:30 UTC on 29 November is already 30 November there
    listed = "Zoé Martin, « Découverte de la boulangerie », du lundi 18 janvier au vendredi 22 janvier 2027"
    assert listed in message.body
    assert "(sans réponse depuis le 30 novembre 2026)" in message.body
    assert "https://1eleve1stage.example/mon-espace/candidatures/11" in message.body
    assert "https://1eleve1stage.example/mon-espace/candidatures/12" in message.body
    assert "https://1eleve1stage.example/mon-espace/candidatures\n" in message.body
    assert message.html is not None and "Fournil &amp; &lt;vente&gt;" in message.html
    assert 'href="https://1eleve1stage.example/mon-espace/candidatures/12"' in message.html


def test_no_host_notified_for_the_space_means_no_email():
    assert cm.applications_awaiting_host(PUBLIC_URL, awaiting_host(), []) == []


def test_only_the_signatories_still_expected_are_reminded():
    messages = cm.convention_awaiting_signatures(
        PUBLIC_URL, awaiting_signatures(["school_manager", "student"]), HOSTS, [HEAD]
    )
    assert sorted(message.recipient for message in messages) == sorted([HEAD.email, PUPIL])
    for message in messages:
        assert message.subject == "Une convention attend votre signature"
        assert "https://1eleve1stage.example/mes-conventions?convention=5" in message.body
    pupil = next(message for message in messages if message.recipient == PUPIL)
    assert "Votre convention pour le stage « Découverte de la boulangerie »" in pupil.body
    assert "attend toujours votre signature" in pupil.body


def test_the_host_team_is_reminded_when_its_signature_is_expected():
    messages = cm.convention_awaiting_signatures(PUBLIC_URL, awaiting_signatures(["employer"]), HOSTS, [HEAD])
    assert [message.recipient for message in messages] == [host.email for host in HOSTS]
    assert "La convention du stage « Découverte de la boulangerie » de Zoé Martin" in messages[0].body


def test_the_legal_representative_gets_their_new_personal_link():
    [message] = cm.convention_awaiting_signatures(
        PUBLIC_URL, awaiting_signatures(["legal_representative"]), HOSTS, [HEAD]
    )
    assert message.recipient == PARENT
    assert message.template == "convention_awaiting_signature_legal_representative"
    assert message.subject == "Une convention attend votre signature"
    assert "Bonjour Claire Martin," in message.body
    assert "https://1eleve1stage.example/signer-la-convention?token=nouveau-jeton-0123456789" in message.body
    assert "il remplace celui du message précédent" in message.body


def test_a_legal_representative_without_email_or_link_gets_no_email():
    no_email = awaiting_signatures(["legal_representative"], legal_representative_email=None, link_token=None)
    assert cm.convention_awaiting_signatures(PUBLIC_URL, no_email, HOSTS, [HEAD]) == []
