"""The notifications' emails: French copy, links carrying their token, HTML escaping."""

from __future__ import annotations

import jinja2
import pytest

from services.common.contracts.events import PasswordResetRequested, UserSignedUp
from services.notifications import messages
from services.notifications.outgoing import Channel
from services.notifications.rendering import render_email

pytestmark = pytest.mark.unit

PUBLIC_URL = "https://1eleve1stage.example"


def signed_up(**overrides: object) -> UserSignedUp:
    values: dict[str, object] = {
        "user_id": 7,
        "email": "Zoe.Martin@Example.fr",
        "first_name": "Zoé",
        "last_name": "Martin",
        "role": "student",
        "confirmation_token": "conf-TOKEN_123",
    }
    return UserSignedUp.model_validate({**values, **overrides})


def test_confirmation_email_is_french_and_carries_the_link_with_its_token() -> None:
    message = messages.email_confirmation(PUBLIC_URL, signed_up())

    link = "https://1eleve1stage.example/confirmer-mon-email?token=conf-TOKEN_123"
    assert message.channel is Channel.EMAIL
    assert message.template == "email_confirmation"
    assert message.recipient == "zoe.martin@example.fr"
    assert message.subject == "Confirmez votre adresse e-mail – 1 élève 1 stage"
    assert "Bonjour Zoé," in message.body
    assert link in message.body
    assert "48 heures" in message.body
    assert "1 élève 1 stage" in message.body
    assert message.html is not None
    assert f'href="{link}"' in message.html
    assert "48 heures" in message.html
    assert '<html lang="fr">' in message.html
    assert "<title>Confirmez votre adresse e-mail – 1 élève 1 stage</title>" in message.html


def test_password_reset_email_expires_in_an_hour_and_says_to_ignore_it_if_not_asked() -> None:
    request = PasswordResetRequested(user_id=7, email="zoe@example.fr", first_name="Zoé", reset_token="reset-456")

    message = messages.password_reset(PUBLIC_URL, request)

    link = "https://1eleve1stage.example/nouveau-mot-de-passe?token=reset-456"
    assert message.template == "password_reset"
    assert message.subject == "Réinitialisation de votre mot de passe – 1 élève 1 stage"
    assert link in message.body
    assert "1 heure" in message.body
    assert "Si vous n'avez pas fait cette demande, ignorez simplement ce message" in message.body
    assert message.html is not None
    assert f'href="{link}"' in message.html
    assert "1 heure" in message.html
    assert "ignorez simplement ce message" in message.html


def test_html_part_escapes_what_users_typed_and_text_part_keeps_it() -> None:
    message = messages.email_confirmation(PUBLIC_URL, signed_up(first_name='<script>alert("x")</script> & Cie'))

    assert message.html is not None
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Cie" in message.html
    assert "<script>" not in message.html
    assert 'Bonjour <script>alert("x")</script> & Cie,' in message.body


def test_a_token_is_url_encoded_in_the_link() -> None:
    assert (
        messages.token_link("https://a.example/", "/confirmer-mon-email", "a+b/c=")
        == "https://a.example/confirmer-mon-email?token=a%2Bb%2Fc%3D"
    )


def test_rendering_needs_every_variable_and_a_known_template() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_email("email_confirmation", {"first_name": "Zoé"})
    with pytest.raises(LookupError):
        render_email("no_such_email", {})


def test_subject_is_a_single_line() -> None:
    rendered = render_email("password_reset", {"first_name": "Zoé", "link": "https://a.example/x?token=t"})

    assert "\n" not in rendered.subject
    assert rendered.text.endswith("\n")
