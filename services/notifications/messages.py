"""The platform's messages: which template, which link, which recipient, for each cause."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from services.common.contracts.events import (
    PasswordResetRequested,
    SignupOnTakenEmail,
    TeacherConfirmed,
    TeamInvitationSent,
    UserSignedUp,
)
from services.common.identifiers import normalize_phone
from services.common.school_calendar import PARIS, french_date
from services.notifications.outgoing import Channel, OutgoingMessage
from services.notifications.rendering import render_email

# Paths of the web UI that consume the emailed tokens (the gateway serves them).
EMAIL_CONFIRMATION_PATH = "/confirmer-mon-email"
NEW_PASSWORD_PATH = "/nouveau-mot-de-passe"  # noqa: S105 (a path of the web UI, no secret)
TEAM_INVITATION_PATH = "/rejoindre-une-equipe"
SCHOOL_PUPILS_PATH = "/etablissement/eleves"
LOGIN_PATH = "/connexion"
FORGOTTEN_PASSWORD_PATH = "/mot-de-passe-oublie"  # noqa: S105 (a path of the web UI, no secret)
TEAM_INVITATION_VALIDITY_DAYS = 7  # identity's rule, written in the email (expires_at is the truth)

SMS_TEXT_MAX_LENGTH = 480  # three concatenated SMS: more is a mistake of the caller
REFERENCE_MAX_LENGTH = 100  # the width of ``deliveries.reference``


def token_link(public_url: str, path: str, token: str) -> str:
    """``<public_url><path>?token=<token>``, the token URL-encoded."""
    return f"{public_url.rstrip('/')}{path}?{urlencode({'token': token})}"


def email_confirmation(public_url: str, user: UserSignedUp) -> OutgoingMessage:
    """The email asking a new account to confirm its address (link valid 48 h)."""
    link = token_link(public_url, EMAIL_CONFIRMATION_PATH, user.confirmation_token)
    return email_message("email_confirmation", user.email, {"first_name": user.first_name, "link": link})


def password_reset(public_url: str, request: PasswordResetRequested) -> OutgoingMessage:
    """The email carrying a password reset link (valid 1 h)."""
    link = token_link(public_url, NEW_PASSWORD_PATH, request.reset_token)
    return email_message("password_reset", request.email, {"first_name": request.first_name, "link": link})


def signup_on_taken_email(public_url: str, attempt: SignupOnTakenEmail) -> OutgoingMessage:
    """The email telling an account's owner that someone tried to sign up with their address,
    with the links to log in and to choose a new password."""
    base = public_url.rstrip("/")
    return email_message(
        "signup_on_taken_email",
        attempt.email,
        {
            "first_name": attempt.first_name,
            "login_link": f"{base}{LOGIN_PATH}",
            "reset_link": f"{base}{FORGOTTEN_PASSWORD_PATH}",
        },
    )


def team_invitation(public_url: str, invitation: TeamInvitationSent) -> OutgoingMessage:
    """The email inviting someone to join a host's team (link valid 7 days, to accept or refuse)."""
    link = token_link(public_url, TEAM_INVITATION_PATH, invitation.invitation_token)
    context = {
        "inviter_name": invitation.inviter_name,
        "link": link,
        "validity_days": TEAM_INVITATION_VALIDITY_DAYS,
        "expires": french_instant(invitation.expires_at),
        "joining": invitation.joining,
        "moving": moving_spaces(invitation.moving_spaces),
    }
    return email_message("team_invitation", invitation.email, context)


def moving_spaces(names: list[str]) -> str:
    """What comes along with a host alone in their team: « votre espace « Lyon » et ses offres »,
    « vos espaces « Lyon » et « Paris » et leurs offres »."""
    quoted = [f"« {name} »" for name in names]
    if len(quoted) <= 1:
        return f"votre espace {''.join(quoted)} et ses offres" if quoted else "vos offres"
    return f"vos espaces {', '.join(quoted[:-1])} et {quoted[-1]} et leurs offres"


def teacher_confirmed(public_url: str, confirmation: TeacherConfirmed) -> OutgoingMessage:
    """The email telling a teacher that their head of school confirmed them: the pupils are theirs to follow."""
    context = {
        "first_name": confirmation.first_name,
        "head_name": confirmation.confirmed_by_name,
        "link": f"{public_url.rstrip('/')}{SCHOOL_PUPILS_PATH}",
    }
    return email_message("teacher_confirmed", confirmation.email, context)


def french_instant(value: str) -> str:
    """An ISO 8601 instant as read in France: ``14 décembre 2026 à 18 h 05``.

    An instant without offset is UTC, as every stored time is.
    """
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    local = instant.astimezone(PARIS)
    return f"{french_date(local.date())} à {local.hour} h {local.minute:02d}"


def sms(to_e164: str, text: str, template: str = "sms") -> OutgoingMessage:
    """A text message whose words the caller chose (e.g. a signature code); ``template`` names
    its kind in the delivery log."""
    return OutgoingMessage(channel=Channel.SMS, template=template, recipient=to_e164, body=text)


def sms_problems(text: str, reference: str) -> dict[str, list[str]]:
    """French messages naming what is wrong with an SMS request; empty when it is fine."""
    problems: dict[str, list[str]] = {}
    if not text.strip():
        problems["text"] = ["Le texte du SMS est vide."]
    elif len(text) > SMS_TEXT_MAX_LENGTH:
        problems["text"] = [f"Le texte du SMS dépasse {SMS_TEXT_MAX_LENGTH} caractères."]
    if not reference.strip() or len(reference) > REFERENCE_MAX_LENGTH:
        problems["reference"] = [f"La référence doit compter de 1 à {REFERENCE_MAX_LENGTH} caractères."]
    return problems


def normalize_recipient(value: str) -> str:
    """The stored form of a recipient: a phone number in E.164, an email address lower-cased."""
    value = value.strip()
    if "@" in value:
        return value.lower()
    return normalize_phone(value) or value


def email_message(template: str, to: str, context: Mapping[str, Any]) -> OutgoingMessage:
    """Email ``template`` rendered with ``context``, to the one recipient ``to``."""
    rendered = render_email(template, context)
    return OutgoingMessage(
        channel=Channel.EMAIL,
        template=template,
        recipient=normalize_recipient(to),
        subject=rendered.subject,
        body=rendered.text,
        html=rendered.html,
    )
