"""Messages about applications and conventions: who is told what, in which words.

Each builder takes an event's payload and the people identity named for it (the host's team,
the school's staff) and returns every message to send, at most one per recipient and channel.
Pure: no transport, no database, no RPC (the service resolves the recipients first).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.common.contracts.conventions import (
    ApplicationEvent,
    ApplicationsAwaitingHost,
    ConventionAwaitingSignatures,
    ConventionEvent,
)
from services.common.school_calendar import PARIS, Week, french_date
from services.notifications.messages import email_message, normalize_recipient, sms, token_link
from services.notifications.outgoing import OutgoingMessage

_log = logging.getLogger(__name__)

# Path of the web page where the legal representative, who has no account, signs with the
# emailed link token.
SIGNING_PAGE_PATH = "/signer-la-convention"
CONVENTIONS_PAGE_PATH = "/mes-conventions"
# Path of the host's page of one application: the new application's email opens it.
APPLICATION_PAGE_PATH = "/mon-espace/candidatures/{application_id}"
# The host's list of its team's applications: a reminder opens it.
APPLICATIONS_PAGE_PATH = "/mon-espace/candidatures"
STUDENT_ROLE = "student"
SCHOOL_HEAD_ROLES = ("school_manager",)
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class Person:
    """Someone to write to: an account named by identity, or a party named in the event."""

    email: str
    first_name: str | None = None

    @classmethod
    def from_account(cls, account: Mapping[str, Any]) -> Person:
        """From an item of identity's ``host_recipients`` or ``school_staff`` answers."""
        return cls(email=account["email"], first_name=account.get("first_name"))


def people(accounts: Iterable[Mapping[str, Any]]) -> list[Person]:
    """``Person`` of each account identity answered."""
    return [Person.from_account(account) for account in accounts]


# -- dates ------------------------------------------------------------------------------------


def french_day(day: date, with_year: bool = True) -> str:
    """``lundi 18 janvier 2027``."""
    return f"{_WEEKDAYS[day.weekday()]} {french_date(day, with_year)}"


def french_period(start: date, end: date) -> str:
    """``du lundi 18 janvier au vendredi 22 janvier 2027`` (the year once when it is the same)."""
    if start == end:
        return f"le {french_day(start)}"
    return f"du {french_day(start, with_year=start.year != end.year)} au {french_day(end)}"


def french_weeks(weeks: Sequence[str]) -> str:
    """The internship weeks (``2027-W03``, ...), Monday to Friday, consecutive weeks as one period."""
    ordered = sorted({Week.parse(week) for week in weeks})
    periods: list[tuple[Week, Week]] = []
    for week in ordered:
        if periods and periods[-1][1].next() == week:
            periods[-1] = (periods[-1][0], week)
        else:
            periods.append((week, week))
    texts = [french_period(first.monday, last.friday) for first, last in periods]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " et " + texts[-1]


def convention_period(convention: ConventionEvent) -> str:
    """The convention's dates, from ``start_date`` to ``end_date``."""
    return french_period(date.fromisoformat(convention.start_date), date.fromisoformat(convention.end_date))


# -- applications -----------------------------------------------------------------------------


def application_submitted(
    public_url: str, application: ApplicationEvent, hosts: Sequence[Person]
) -> list[OutgoingMessage]:
    """A pupil applied: tell the host's team, who must answer within 15 days (the link opens it)."""
    path = APPLICATION_PAGE_PATH.format(application_id=application.application_id)
    context = {**_application_context(public_url, application), "platform_link": f"{public_url.rstrip('/')}{path}"}
    return _unique(_email_to(host, "application_submitted", context) for host in hosts)


def application_validated(public_url: str, application: ApplicationEvent) -> list[OutgoingMessage]:
    """The host said yes: tell the pupil, who must now confirm (email, and SMS when a phone was given)."""
    messages = [
        _email_to(_student(application), "application_validated", _application_context(public_url, application))
    ]
    phone = _phone(application.student_phone)
    if phone:
        text = (
            f"1 élève 1 stage : bonne nouvelle, {application.student_first_name} ! Votre candidature au stage "
            f"« {application.offer_title} » est acceptée. Confirmez-la vite sur votre espace 1 élève 1 stage."
        )
        messages.append(sms(phone, text, template="application_validated_sms"))
    return _unique(messages)


def application_rejected(public_url: str, application: ApplicationEvent) -> list[OutgoingMessage]:
    """The host said no: tell the pupil, with the host's reason when there is one."""
    return [_email_to(_student(application), "application_rejected", _application_context(public_url, application))]


def application_cancelled(
    public_url: str, application: ApplicationEvent, hosts: Sequence[Person]
) -> list[OutgoingMessage]:
    """Tell the other side: the host's team when the pupil withdrew, else the pupil."""
    context = _application_context(public_url, application)
    if application.by_role == STUDENT_ROLE:
        return _unique(_email_to(host, "application_withdrawn", context) for host in hosts)
    return [_email_to(_student(application), "application_cancelled", context)]


def application_expired(public_url: str, application: ApplicationEvent) -> list[OutgoingMessage]:
    """Nobody answered in time: tell the pupil, who may apply elsewhere."""
    return [_email_to(_student(application), "application_expired", _application_context(public_url, application))]


def application_approved(
    public_url: str, application: ApplicationEvent, hosts: Sequence[Person]
) -> list[OutgoingMessage]:
    """The pupil confirmed: tell the host's team that the convention was created."""
    context = _application_context(public_url, application)
    return _unique(_email_to(host, "application_approved", context) for host in hosts)


# -- conventions ------------------------------------------------------------------------------


def convention_created(
    public_url: str, convention: ConventionEvent, hosts: Sequence[Person], school_staff: Sequence[Person]
) -> list[OutgoingMessage]:
    """A convention awaits its parts: ask the school's staff and the host's team to fill in theirs."""
    context = _convention_context(public_url, convention)
    staff = [_email_to(person, "convention_to_complete_school", context) for person in school_staff]
    host = [_email_to(person, "convention_to_complete_host", context) for person in hosts]
    return _unique([*staff, *host])


def convention_ready_to_sign(
    public_url: str, convention: ConventionEvent, hosts: Sequence[Person], school_heads: Sequence[Person]
) -> list[OutgoingMessage]:
    """Every signatory is asked to sign: host, head of school and pupil on the platform, the legal
    representative through their personal link (email), with an SMS when a phone was given."""
    context = _convention_context(public_url, convention)
    messages: list[OutgoingMessage] = []
    # The legal representative first: if their address is also an account's, the one email
    # they get must be the one with the link, the only way for them to sign as a parent.
    if convention.legal_representative_email:
        if convention.link_token:
            link = token_link(public_url, SIGNING_PAGE_PATH, convention.link_token)
            messages.append(
                _email_to(
                    _legal_representative(convention),
                    "convention_to_sign_legal_representative",
                    {**context, "link": link},
                )
            )
        else:
            _log.warning(
                "convention %s ready to sign without a link token: no email to the legal representative",
                convention.convention_id,
            )
    messages += [_email_to(person, "convention_to_sign", context) for person in [*hosts, *school_heads]]
    messages.append(_email_to(_student(convention), "convention_to_sign", {**context, "for_student": True}))
    phone = _phone(convention.legal_representative_phone)
    if phone:
        # No link in an SMS: whoever reads the phone's lock screen could sign with it.
        how = (
            "Le lien pour la signer vous a été envoyé par e-mail."
            if convention.legal_representative_email and convention.link_token
            else "Rapprochez-vous de son établissement scolaire pour la signer."
        )
        text = (
            f"1 élève 1 stage : la convention du stage d'observation de {convention.student_first_name} "
            f"attend votre signature de représentant légal. {how}"
        )
        messages.append(sms(phone, text, template="convention_to_sign_legal_representative_sms"))
    return _unique(messages)


def convention_document_ready(
    public_url: str, convention: ConventionEvent, hosts: Sequence[Person], school_staff: Sequence[Person]
) -> list[OutgoingMessage]:
    """Signed by all, sealed PDF ready: tell everyone; account holders get the link of the page
    where, once logged in, they download it (the PDF route needs their session).

    The legal representative has no account: their email says so and points to the school,
    rather than carrying a link that would refuse them.
    """
    context = _convention_context(public_url, convention)
    context["pdf_link"] = f"{public_url.rstrip('/')}{CONVENTIONS_PAGE_PATH}?convention={convention.convention_id}"
    messages = [_email_to(person, "convention_signed", context) for person in [*hosts, *school_staff]]
    messages.append(_email_to(_student(convention), "convention_signed", {**context, "for_student": True}))
    if convention.legal_representative_email:
        messages.append(_email_to(_legal_representative(convention), "convention_signed_legal_representative", context))
    return _unique(messages)


# -- reminders --------------------------------------------------------------------------------


def applications_awaiting_host(
    public_url: str, reminder: ApplicationsAwaitingHost, hosts: Sequence[Person]
) -> list[OutgoingMessage]:
    """Applications left unanswered for 7 days: one email to each member notified for the space,
    listing them all, each with the link to its page."""
    base = public_url.rstrip("/")
    listed = [
        {
            "offer_title": application.offer_title,
            "student_name": application.student_name,
            "period": french_weeks(application.weeks),
            "since": french_date(datetime.fromisoformat(application.waiting_since).astimezone(PARIS).date()),
            "link": f"{base}{APPLICATION_PAGE_PATH.format(application_id=application.application_id)}",
        }
        for application in reminder.applications
    ]
    context = {"applications": listed, "platform_link": f"{base}{APPLICATIONS_PAGE_PATH}"}
    return _unique(_email_to(host, "applications_awaiting_host", context) for host in hosts)


def convention_awaiting_signatures(
    public_url: str, convention: ConventionAwaitingSignatures, hosts: Sequence[Person], school_heads: Sequence[Person]
) -> list[OutgoingMessage]:
    """A convention ready to sign for 3 days: remind each signatory still expected, and only them;
    the legal representative gets their new personal link (the previous one no longer works)."""
    context = {
        **_convention_context(public_url, convention),
        "platform_link": f"{public_url.rstrip('/')}{CONVENTIONS_PAGE_PATH}?convention={convention.convention_id}",
    }
    awaiting = set(convention.awaiting)
    messages: list[OutgoingMessage] = []
    # The legal representative first, for the reason given in convention_ready_to_sign.
    if "legal_representative" in awaiting and convention.legal_representative_email and convention.link_token:
        link = token_link(public_url, SIGNING_PAGE_PATH, convention.link_token)
        messages.append(
            _email_to(
                _legal_representative(convention),
                "convention_awaiting_signature_legal_representative",
                {**context, "link": link},
            )
        )
    if "employer" in awaiting:
        messages += [_email_to(person, "convention_awaiting_signature", context) for person in hosts]
    if "school_manager" in awaiting:
        messages += [_email_to(person, "convention_awaiting_signature", context) for person in school_heads]
    if "student" in awaiting:
        messages.append(
            _email_to(_student(convention), "convention_awaiting_signature", {**context, "for_student": True})
        )
    return _unique(messages)


# -- helpers ----------------------------------------------------------------------------------


def _application_context(public_url: str, application: ApplicationEvent) -> dict[str, Any]:
    return {
        "offer_title": application.offer_title,
        "student_name": application.student_name,
        "student_first_name": application.student_first_name,
        "period": french_weeks(application.weeks),
        "reason": (application.reason or "").strip() or None,
        "by_host": application.by_role == "employer",
        "platform_link": _platform_link(public_url),
    }


def _convention_context(public_url: str, convention: ConventionEvent) -> dict[str, Any]:
    return {
        "offer_title": convention.offer_title,
        "student_name": convention.student_name,
        "student_first_name": convention.student_first_name,
        "period": convention_period(convention),
        "legal_representative_name": convention.legal_representative_name,
        "for_student": False,
        "platform_link": _platform_link(public_url),
    }


def _platform_link(public_url: str) -> str:
    return f"{public_url.rstrip('/')}/"


def _student(event: ApplicationEvent | ConventionEvent) -> Person:
    return Person(email=event.student_email, first_name=event.student_first_name)


def _legal_representative(convention: ConventionEvent) -> Person:
    assert convention.legal_representative_email is not None
    return Person(email=convention.legal_representative_email, first_name=None)


def _email_to(person: Person, template: str, context: Mapping[str, Any]) -> OutgoingMessage:
    return email_message(template, person.email, {**context, "first_name": person.first_name})


def _phone(value: str | None) -> str | None:
    phone = normalize_recipient(value) if value else None
    return phone if phone and phone.startswith("+") else None


def _unique(messages: Iterable[OutgoingMessage]) -> list[OutgoingMessage]:
    """The first message to each recipient on each channel: one person with two roles (or
    listed twice) gets one email, the one of their first role in the caller's order."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for message in messages:
        key = (message.channel.value, message.recipient)
        if key not in seen:
            seen.add(key)
            unique.append(message)
    return unique
