"""How an email leaves: a file per email in the local mailbox, or an SMTP server.

Both build the same RFC 5322 message (multipart/alternative, text then HTML). The parts are
sent as UTF-8 ``8bit`` rather than quoted-printable or base64, so a link and its
``token=<value>`` appear verbatim in the message, as tests and operators read them.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from services.common.config import Settings, state_dir
from services.common.database import utcnow


class MailSender(Protocol):
    """Sends one email; raises when it could not (the delivery is then retried)."""

    def send(self, delivery_id: int, to: str, subject: str, text: str, html: str) -> None: ...


def build_message(delivery_id: int, mail_from: str, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """The RFC 5322 message of one delivery: From, To (the one recipient), Date, Message-ID."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    domain = message["From"].addresses[0].domain or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"delivery-{delivery_id}", domain=domain)
    message.set_content(text, subtype="plain", charset="utf-8", cte="8bit")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="8bit")
    return message


class LocalMailbox:
    """Writes each email to ``<folder>/<delivery id>.eml`` (the local default, no server needed)."""

    def __init__(self, folder: Path, mail_from: str) -> None:
        self.folder = folder
        self.mail_from = mail_from
        self.folder.mkdir(parents=True, exist_ok=True)

    def path_of(self, delivery_id: int) -> Path:
        """The file of one delivery."""
        return self.folder / f"{delivery_id}.eml"

    def send(self, delivery_id: int, to: str, subject: str, text: str, html: str) -> None:
        """Write the email; sending the same delivery again replaces its file."""
        message = build_message(delivery_id, self.mail_from, to, subject, text, html)
        _write_atomically(self.path_of(delivery_id), message.as_bytes(policy=SMTP))


def _write_atomically(path: Path, data: bytes) -> None:
    # A reader never sees half a file: write a hidden temporary file beside it, then rename
    # it over the target in one step.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# scheme of SMTP_URL -> (security, default port)
_SMTP_SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to reach an SMTP server, read from ``SMTP_URL``."""

    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """``smtp://user:pass@host:port``, ``smtp+starttls://...`` or ``smtps://...``."""
        parts = urlsplit(url)
        if parts.scheme not in _SMTP_SCHEMES or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://, smtp+starttls:// or smtps://user:pass@host:port")
        security, default_port = _SMTP_SCHEMES[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpMailer:
    """Sends each email through an SMTP server, one connection per email.

    smtplib is blocking code, but eventlet's monkey-patching makes its sockets green, so a
    slow server holds up only the worker that is sending.
    """

    def __init__(self, server: SmtpServer, mail_from: str, timeout: float = 30.0) -> None:
        self.server = server
        self.mail_from = mail_from
        self.timeout = timeout

    def send(self, delivery_id: int, to: str, subject: str, text: str, html: str) -> None:
        """Hand the email to the server; raises on any refusal or network error."""
        message = build_message(delivery_id, self.mail_from, to, subject, text, html)
        envelope_from = message["From"].addresses[0].addr_spec
        with self._connect() as smtp:
            if self.server.username:
                smtp.login(self.server.username, self.server.password or "")
            smtp.ehlo_or_helo_if_needed()
            # The parts are 8bit: say so to servers that understand it.
            options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
            smtp.send_message(message, from_addr=envelope_from, to_addrs=[to], mail_options=options)

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.security == "tls":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        if server.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp


def mail_sender_from_settings(settings: Settings | None = None) -> MailSender:
    """SMTP when ``SMTP_URL`` is set, else the local mailbox under ``STATE_DIR/outbox/mail``."""
    settings = settings or Settings.from_env()
    if settings.smtp_url:
        return SmtpMailer(SmtpServer.from_url(settings.smtp_url), settings.mail_from)
    return LocalMailbox(state_dir() / "outbox" / "mail", settings.mail_from)
