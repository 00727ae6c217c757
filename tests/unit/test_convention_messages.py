"""Messages about applications, conventions and team invitations: recipients, French copy, dates, links, escaping."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest

from services.common.contracts.conventions import (
    ApplicationEvent,
    ApplicationsAwaitingHost,
    ConventionAwaitingSignatures,
    ConventionEvent,
)
from services.common.contracts.events import TeamInvitationSent
from services.notifications import convention_messages as cm
from services.notifications import messages as notification_messages
from services.notifications.convention_messages import Person
from services.notifications.outgoing import Channel, OutgoingMessage

pytestmark = pytest.mark.unit

PUBLIC_URL = "https://1eleve1stage.example/"
HOSTS = [Person("helene@boulangerie.example", "Hélène"), Person("marc@boulangerie.example", "Marc")]
HEAD = Person("principal@college.example", "Paule")
TEACHER = Person("prof@college.example", "Théo")


def application(**changes: Any) -> ApplicationEvent:
    values: dict[str, Any] = {
        "application_id": 11,
        "offer_id": 7,
        "offer_title": "Découverte de la boulangerie",
        "team_id": 3,
        "space_id": 4,
        "student_id": 21,
        "student_first_name": "Zoé",
        "student_name": "Zoé Martin",
        "student_email": "Zoe.Martin@Example.fr",
        "student_phone": None,
        "weeks": ["2027-W03"],
        "status": "submitted",
        "by_role": "student",
        "reason": None,
    }
    return ApplicationEvent.model_validate({**values, **changes})


def convention(**changes: Any) -> ConventionEvent:
    values: dict[str, Any] = {
        "convention_id": 5,
        "offer_title": "Découverte de la boulangerie",
        "team_id": 3,
        "space_id": 4,
        "school_uai": "0752694W",
        "student_id": 21,
        "student_first_name": "Zoé",
        "student_name": "Zoé Martin",
        "student_email": "zoe.martin@example.fr",
        "start_date": "2027-01-18",
        "end_date": "2027-01-22",
        "legal_representative_name": "Claire Martin",
        "legal_representative_email": "claire.martin@example.fr",
        "legal_representative_phone": "+33698765432",
        "link_token": None,
    }
    return ConventionEvent.model_validate({**values, **changes})


def by_recipient(messages: list[OutgoingMessage]) -> dict[tuple[str, str], OutgoingMessage]:
    keyed = {(message.channel.value, message.recipient): message for message in messages}
    assert len(keyed) == len(messages), "two messages to one recipient on one channel"
    return keyed


def emails_to(messages: list[OutgoingMessage]) -> list[str]:
    return [message.recipient for message in messages if message.channel is Channel.EMAIL]


# -- dates ------------------------------------------------------------------------------------


def test_a_period_is_written_in_french_with_the_days_of_the_week() -> None:
    assert cm.french_period(date(2027, 1, 18), date(2027, 1, 22)) == "du lundi 18 janvier au vendredi 22 janvier 2027"
    assert cm.french_period(date(2027, 3, 1), date(2027, 3, 1)) == "le lundi 1er mars 2027"
    # Across the new year, both years are written.
    assert cm.french_period(date(2026, 12, 28), date(2027, 1, 1)) == (
        "du lundi 28 décembre 2026 au vendredi 1er janvier 2027"
    )


def test_weeks_become_periods_consecutive_ones_joined() -> None:
    assert cm.french_weeks(["2027-W03"]) == "du lundi 18 janvier au vendredi 22 janvier 2027"
    assert cm.french_weeks(["2027-W04", "2027-W03"]) == "du lundi 18 janvier au vendredi 29 janvier 2027"
    assert cm.french_weeks(["2027-W03", "2027-W10", "2027-W12"]) == (
        "du lundi 18 janvier au vendredi 22 janvier 2027, du lundi 8 mars au vendredi 12 mars 2027 "
        "et du lundi 22 mars au vendredi 26 mars 2027"
    )
    # The seconde period: two weeks in June.
    assert cm.french_weeks(["2027-W24", "2027-W25"]) == "du lundi 14 juin au vendredi 25 juin 2027"


# -- applications -----------------------------------------------------------------------------


def test_a_new_application_tells_each_host_once_in_french() -> None:
    hosts = [*HOSTS, Person("HELENE@Boulangerie.example", "Hélène")]  # one person listed twice

    messages = cm.application_submitted(PUBLIC_URL, application(), hosts)

    assert emails_to(messages) == ["helene@boulangerie.example", "marc@boulangerie.example"]
    helene, marc = messages
    assert helene.template == "application_submitted"
    assert helene.subject == "Nouvelle candidature pour « Découverte de la boulangerie »"
    assert helene.body.startswith("Bonjour Hélène,\n")
    assert marc.body.startswith("Bonjour Marc,\n")
    assert "Zoé Martin a postulé à votre offre de stage « Découverte de la boulangerie », " in helene.body
    assert "du lundi 18 janvier au vendredi 22 janvier 2027" in helene.body
    assert "15 jours" in helene.body
    # the link opens the application's page (after logging in, if needed)
    link = "https://1eleve1stage.example/mon-espace/candidatures/11"
    assert f"{link}\n" in helene.body
    assert helene.html is not None and f'href="{link}"' in helene.html


def test_no_host_no_message() -> None:
    assert cm.application_submitted(PUBLIC_URL, application(), []) == []


def test_a_validated_application_asks_the_pupil_to_confirm_by_email_and_sms() -> None:
    messages = cm.application_validated(
        PUBLIC_URL, application(status="validated", by_role="employer", student_phone="06 12 34 56 78")
    )

    keyed = by_recipient(messages)
    email = keyed[("email", "zoe.martin@example.fr")]
    assert email.template == "application_validated"
    assert email.subject == "Bonne nouvelle : votre candidature « Découverte de la boulangerie » est acceptée"
    assert "Bonjour Zoé," in email.body
    assert "confirmer" in email.body
    sms = keyed[("sms", "+33612345678")]
    assert sms.template == "application_validated_sms"
    assert "bonne nouvelle" in sms.body.lower()
    assert "Confirmez" in sms.body
    assert "Découverte de la boulangerie" in sms.body
    assert "http" not in sms.body and "token" not in sms.body


def test_without_a_phone_the_pupil_gets_only_the_email() -> None:
    messages = cm.application_validated(PUBLIC_URL, application(status="validated", by_role="employer"))
    assert [(m.channel, m.recipient) for m in messages] == [(Channel.EMAIL, "zoe.martin@example.fr")]


def test_a_rejection_tells_the_pupil_with_the_reason_escaped_in_html() -> None:
    event = application(status="rejected", by_role="employer", reason="Nous n'avons plus <b>de place</b> & désolé.")

    [message] = cm.application_rejected(PUBLIC_URL, event)

    assert message.recipient == "zoe.martin@example.fr"
    assert message.subject == "Réponse à votre candidature « Découverte de la boulangerie »"
    assert "n'a pas retenu votre candidature" in message.body
    assert "Son message : « Nous n'avons plus <b>de place</b> & désolé. »" in message.body
    assert message.html is not None
    assert "Nous n&#39;avons plus &lt;b&gt;de place&lt;/b&gt; &amp; désolé." in message.html
    assert "<b>de place</b>" not in message.html


def test_a_cancellation_by_the_host_tells_the_pupil() -> None:
    event = application(status="cancelled", by_role="employer", reason="Fermeture exceptionnelle.")

    [message] = cm.application_cancelled(PUBLIC_URL, event, HOSTS)

    assert (message.recipient, message.template) == ("zoe.martin@example.fr", "application_cancelled")
    assert "a été annulée par la structure d'accueil" in message.body
    assert "Fermeture exceptionnelle." in message.body


def test_a_withdrawal_by_the_pupil_tells_the_hosts_instead() -> None:
    event = application(status="cancelled", by_role="student")

    messages = cm.application_cancelled(PUBLIC_URL, event, HOSTS)

    assert emails_to(messages) == ["helene@boulangerie.example", "marc@boulangerie.example"]
    assert {m.template for m in messages} == {"application_withdrawn"}
    assert messages[0].subject == "Candidature retirée : Zoé Martin – « Découverte de la boulangerie »"
    assert "Zoé Martin a retiré sa candidature" in messages[0].body
    assert "Motif" not in messages[0].body


def test_an_expired_application_tells_the_pupil() -> None:
    [message] = cm.application_expired(PUBLIC_URL, application(status="expired", by_role="system"))
    assert (message.recipient, message.template) == ("zoe.martin@example.fr", "application_expired")
    assert "expiration" in message.body
    assert "par la structure d'accueil" not in message.body


def test_an_approval_tells_the_hosts_that_the_convention_exists() -> None:
    messages = cm.application_approved(PUBLIC_URL, application(status="approved"), HOSTS)

    assert emails_to(messages) == ["helene@boulangerie.example", "marc@boulangerie.example"]
    assert messages[0].subject == "Zoé Martin a confirmé son stage « Découverte de la boulangerie »"
    assert "La convention de stage a été créée" in messages[0].body


# -- conventions ------------------------------------------------------------------------------


def test_a_new_convention_asks_the_school_and_the_hosts_for_their_parts() -> None:
    messages = cm.convention_created(PUBLIC_URL, convention(), HOSTS, [HEAD, TEACHER])

    keyed = by_recipient(messages)
    assert [key[1] for key in keyed] == [
        "principal@college.example",
        "prof@college.example",
        "helene@boulangerie.example",
        "marc@boulangerie.example",
    ]
    school = keyed[("email", "prof@college.example")]
    assert school.template == "convention_to_complete_school"
    assert "élève de votre établissement" in school.body
    assert "du lundi 18 janvier au vendredi 22 janvier 2027" in school.body
    host = keyed[("email", "marc@boulangerie.example")]
    assert host.template == "convention_to_complete_host"
    assert "tuteur" in host.body
    # The legal representative and the pupil sign later: nothing for them yet.
    assert ("email", "claire.martin@example.fr") not in keyed
    assert ("email", "zoe.martin@example.fr") not in keyed


def test_ready_to_sign_reaches_every_signatory_and_the_link_only_the_legal_representative() -> None:
    event = convention(link_token="link-TOKEN_42")

    messages = cm.convention_ready_to_sign(PUBLIC_URL, event, HOSTS, [HEAD])

    keyed = by_recipient(messages)
    assert set(keyed) == {
        ("email", "claire.martin@example.fr"),
        ("email", "helene@boulangerie.example"),
        ("email", "marc@boulangerie.example"),
        ("email", "principal@college.example"),
        ("email", "zoe.martin@example.fr"),
        ("sms", "+33698765432"),
    }
    parent = keyed[("email", "claire.martin@example.fr")]
    assert parent.template == "convention_to_sign_legal_representative"
    assert parent.body.startswith("Bonjour Claire Martin,\n")
    link = "https://1eleve1stage.example/signer-la-convention?token=link-TOKEN_42"
    assert link in parent.body
    assert parent.html is not None and f'href="{link}"' in parent.html
    pupil = keyed[("email", "zoe.martin@example.fr")]
    assert pupil.subject == "Votre convention de stage est prête à être signée – « Découverte de la boulangerie »"
    assert "Votre convention pour le stage" in pupil.body
    head = keyed[("email", "principal@college.example")]
    assert head.subject == "Convention de stage à signer : Zoé Martin – « Découverte de la boulangerie »"
    for message in messages:
        if message is not parent:
            assert "token" not in message.body, message.recipient
    sms = keyed[("sms", "+33698765432")]
    assert "attend votre signature" in sms.body
    assert "e-mail" in sms.body
    assert "http" not in sms.body and "token" not in sms.body and "link-TOKEN_42" not in sms.body


def test_a_legal_representative_who_is_also_a_host_gets_the_email_with_the_link() -> None:
    event = convention(link_token="link-TOKEN_42", legal_representative_email="Marc@Boulangerie.example")

    messages = cm.convention_ready_to_sign(PUBLIC_URL, event, HOSTS, [HEAD])

    marc = [m for m in messages if m.recipient == "marc@boulangerie.example"]
    assert [m.template for m in marc] == ["convention_to_sign_legal_representative"]


def test_ready_to_sign_without_a_legal_representative_contact() -> None:
    event = convention(legal_representative_email=None, legal_representative_phone=None, link_token="t" * 20)

    messages = cm.convention_ready_to_sign(PUBLIC_URL, event, HOSTS, [])

    assert emails_to(messages) == ["helene@boulangerie.example", "marc@boulangerie.example", "zoe.martin@example.fr"]
    assert all(m.channel is Channel.EMAIL for m in messages)


def test_the_signed_convention_reaches_everyone_with_the_pdf_link_for_account_holders() -> None:
    # The legal representative is also a teacher of the school: one email, not two.
    event = convention(legal_representative_email="PROF@college.example")

    messages = cm.convention_document_ready(PUBLIC_URL, event, HOSTS, [HEAD, TEACHER])

    keyed = by_recipient(messages)
    assert [key[1] for key in keyed] == [
        "helene@boulangerie.example",
        "marc@boulangerie.example",
        "principal@college.example",
        "prof@college.example",
        "zoe.martin@example.fr",
    ]
    pdf = "https://1eleve1stage.example/mes-conventions?convention=5"
    for message in messages:
        assert message.template == "convention_signed"
        assert pdf in message.body
        assert "signée par toutes les parties" in message.body
    assert "excellent stage" in keyed[("email", "zoe.martin@example.fr")].body


def test_the_legal_representative_is_told_it_is_signed_and_where_to_ask_for_a_copy() -> None:
    messages = cm.convention_document_ready(PUBLIC_URL, convention(), HOSTS, [])

    [parent] = [m for m in messages if m.recipient == "claire.martin@example.fr"]
    assert parent.template == "convention_signed_legal_representative"
    assert parent.subject == "La convention de stage de Zoé est signée"
    assert "adressez-vous à l'établissement scolaire de Zoé" in parent.body
    assert "/pdf" not in parent.body and "token" not in parent.body


@pytest.mark.parametrize(
    "build",
    [
        lambda e, c: cm.application_submitted(PUBLIC_URL, e, HOSTS),
        lambda e, c: cm.application_validated(PUBLIC_URL, e),
        lambda e, c: cm.application_rejected(PUBLIC_URL, e),
        lambda e, c: cm.application_cancelled(PUBLIC_URL, e, HOSTS),
        lambda e, c: cm.application_cancelled(PUBLIC_URL, e.model_copy(update={"by_role": "employer"}), HOSTS),
        lambda e, c: cm.application_expired(PUBLIC_URL, e),
        lambda e, c: cm.application_approved(PUBLIC_URL, e, HOSTS),
        lambda e, c: cm.convention_created(PUBLIC_URL, c, HOSTS, [TEACHER]),
        lambda e, c: cm.convention_ready_to_sign(PUBLIC_URL, c, HOSTS, [HEAD]),
        lambda e, c: cm.convention_document_ready(PUBLIC_URL, c, HOSTS, [TEACHER]),
    ],
)
def test_titles_and_names_are_escaped_in_html_and_left_alone_in_text(build: Any) -> None:
    title = "Atelier <script>alert(1)</script> & « fabrication »"
    name = "Zoé <i>Martin</i>"
    event = application(offer_title=title, student_name=name, reason="R & <D>", student_phone="0612345678")
    contract = convention(offer_title=title, student_name=name, link_token="tok-1234567890")

    messages = build(event, contract)

    assert messages
    for message in messages:
        assert "None" not in message.body and "None" not in (message.subject or "")
        if message.channel is Channel.SMS:
            continue
        assert message.html is not None
        assert "<script>" not in message.html and "<i>Martin</i>" not in message.html
        assert "&lt;script&gt;" in message.html
        assert '<html lang="fr">' in message.html
        assert "\n" not in (message.subject or "")
        assert "Bien cordialement," in message.body


# -- team invitations -------------------------------------------------------------------------


def invitation(**changes: Any) -> TeamInvitationSent:
    values: dict[str, Any] = {
        "invitation_id": 9,
        "email": "Theophile.Durand@Example.fr",
        "team_id": 3,
        "inviter_name": "Valérie Petit",
        # 23:30 UTC on 7 December is already the 8th in Paris (UTC+1 in winter).
        "expires_at": "2026-12-07T23:30:00+00:00",
        "invitation_token": "inv-TOKEN_42",
    }
    return TeamInvitationSent.model_validate({**values, **changes})


def test_an_invitation_names_the_inviter_and_carries_its_link_to_the_invitee() -> None:
    message = notification_messages.team_invitation(PUBLIC_URL, invitation())

    assert (message.channel, message.template) == (Channel.EMAIL, "team_invitation")
    assert message.recipient == "theophile.durand@example.fr"
    assert message.subject == "Valérie Petit vous invite à rejoindre son équipe sur 1 élève 1 stage"
    link = "https://1eleve1stage.example/rejoindre-une-equipe?token=inv-TOKEN_42"
    assert link in message.body
    assert message.html is not None and f'href="{link}"' in message.html


def test_an_invitation_explains_the_full_delegation_its_validity_and_how_to_refuse() -> None:
    body = notification_messages.team_invitation(PUBLIC_URL, invitation()).body

    assert "délégation complète" in body
    for scope in ("toutes les offres", "toutes les candidatures", "toutes les conventions", "signature comprise"):
        assert scope in body, scope
    assert "ne peut pas être limitée à une offre, à un espace ou à une action" in body
    # The date and hour are Paris's, not UTC's.
    assert "valable 7 jours, jusqu'au 8 décembre 2026 à 0 h 30 (heure de Paris)" in body
    assert "refuser l'invitation" in body


@pytest.mark.parametrize(
    ("expires_at", "written"),
    [
        ("2027-07-01T08:00:00+00:00", "1er juillet 2027 à 10 h 00"),  # summer time: UTC+2
        ("2027-01-15T16:45:00Z", "15 janvier 2027 à 17 h 45"),
        ("2027-01-15T16:45:00", "15 janvier 2027 à 17 h 45"),  # no offset: UTC, as stored
        ("2027-01-15T18:45:00+01:00", "15 janvier 2027 à 18 h 45"),
    ],
)
def test_an_instant_is_written_as_read_in_france(expires_at: str, written: str) -> None:
    assert notification_messages.french_instant(expires_at) == written


def test_the_inviters_name_is_escaped_in_html_and_kept_on_one_subject_line() -> None:
    message = notification_messages.team_invitation(PUBLIC_URL, invitation(inviter_name="Val <b>Petit</b>\nBcc: x"))

    assert message.html is not None
    assert "<b>Petit</b>" not in message.html and "&lt;b&gt;Petit&lt;/b&gt;" in message.html
    assert "Val <b>Petit</b>" in message.body
    assert message.subject is not None and "\n" not in message.subject
    assert "None" not in message.body


# -- reminders ----------------------------------------------------------------------------------


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
    values = {**convention(link_token="nouveau-jeton-0123456789").model_dump(), "awaiting": awaiting}
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
    assert sorted(message.recipient for message in messages) == sorted([HEAD.email, "zoe.martin@example.fr"])
    for message in messages:
        assert message.subject == "Une convention attend votre signature"
        assert "https://1eleve1stage.example/mes-conventions?convention=5" in message.body
    pupil = next(message for message in messages if message.recipient == "zoe.martin@example.fr")
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
    assert message.recipient == "claire.martin@example.fr"
    assert message.template == "convention_awaiting_signature_legal_representative"
    assert message.subject == "Une convention attend votre signature"
    assert "Bonjour Claire Martin," in message.body
    assert "https://1eleve1stage.example/signer-la-convention?token=nouveau-jeton-0123456789" in message.body
    assert "il remplace celui du message précédent" in message.body


def test_a_legal_representative_without_email_or_link_gets_no_email():
    no_email = awaiting_signatures(["legal_representative"], legal_representative_email=None, link_token=None)
    assert cm.convention_awaiting_signatures(PUBLIC_URL, no_email, HOSTS, [HEAD]) == []


@pytest.mark.parametrize(
    ("joining", "spaces", "said", "unsaid"),
    [
        (
            "alone",
            ["Lyon"],
            "Vous êtes seul(e) dans votre équipe actuelle sur 1 élève 1 stage : si vous acceptez, votre espace "
            "« Lyon » et ses offres rejoindront l'équipe de Valérie Petit",
            "restent dans votre équipe actuelle",
        ),
        (
            "alone",
            ["Lyon", "Paris", "Tours"],
            "vos espaces « Lyon », « Paris » et « Tours » et leurs offres rejoindront l'équipe de Valérie Petit",
            "restent dans votre équipe actuelle",
        ),
        (
            "with_others",
            [],
            "compte d'autres membres : si vous acceptez, vous la quitterez et vos offres restent dans votre équipe "
            "actuelle",
            "rejoindront l'équipe de",
        ),
        ("new", [], "Si vous publiez déjà des offres", "Vous êtes seul(e)"),
    ],
)
def test_an_invitation_says_what_joining_does_to_the_invitees_offers(
    joining: str, spaces: list[str], said: str, unsaid: str
) -> None:
    message = notification_messages.team_invitation(PUBLIC_URL, invitation(joining=joining, moving_spaces=spaces))

    assert said in " ".join(message.body.split())
    assert unsaid not in message.body
    assert message.html is not None
    read = html.unescape(re.sub(r"<[^>]+>", "", message.html)).replace("\xa0", " ")
    assert said in " ".join(read.split())
