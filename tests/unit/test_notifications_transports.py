"""The notifications' transports against real counterparts: files, an SMTP server, an HTTP server."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.common.config import Settings
from services.notifications.mail import LocalMailbox, SmtpMailer, SmtpServer, mail_sender_from_settings
from services.notifications.sms import HttpSmsProvider, LocalSmsOutbox, sms_sender_from_settings

pytestmark = pytest.mark.unit

MAIL_FROM = "1 élève 1 stage <ne-pas-repondre@1eleve1stage.fr>"
LINK = "http://e1s.test/confirmer-mon-email?token=tok-ABC_123"
TEXT = f"Bonjour Zoé,\n\nConfirmez votre adresse : {LINK}\n\nCe lien expire dans 48 heures.\n"
HTML = f'<p>Bonjour Zoé,</p><p><a href="{LINK}">Confirmer</a></p>'
SUBJECT = "Confirmez votre adresse e-mail – 1 élève 1 stage"


def parts_of(message: EmailMessage) -> dict[str, str]:
    """content type -> decoded content of each leaf part."""
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


# --- local mailbox -------------------------------------------------------------------------


def test_local_mailbox_writes_a_parsable_eml_per_delivery(tmp_path: Path) -> None:
    mailbox = LocalMailbox(tmp_path / "mail", MAIL_FROM)

    mailbox.send(42, "zoe@example.fr", SUBJECT, TEXT, HTML)

    path = tmp_path / "mail" / "42.eml"
    raw = path.read_bytes()
    message = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "zoe@example.fr"
    assert message["From"].addresses[0].addr_spec == "ne-pas-repondre@1eleve1stage.fr"
    assert message["From"].addresses[0].display_name == "1 élève 1 stage"
    assert message["Subject"] == SUBJECT
    assert message["Date"].datetime.utcoffset() == timedelta(0)
    assert message["Message-ID"].endswith("@1eleve1stage.fr>")
    assert message.get_content_type() == "multipart/alternative"
    parts = parts_of(message)
    assert LINK in parts["text/plain"]
    assert "48 heures" in parts["text/plain"]
    assert f'href="{LINK}"' in parts["text/html"]
    # The token is readable in the file itself, not hidden by a transfer encoding.
    assert b"token=tok-ABC_123" in raw
    assert raw.count(b"\r\n") > 0  # RFC 5322 line ends


def test_sending_the_same_delivery_again_replaces_its_file(tmp_path: Path) -> None:
    mailbox = LocalMailbox(tmp_path / "mail", MAIL_FROM)

    mailbox.send(7, "zoe@example.fr", SUBJECT, "premier envoi", HTML)
    mailbox.send(7, "zoe@example.fr", SUBJECT, "second envoi", HTML)
    mailbox.send(8, "leo@example.fr", SUBJECT, TEXT, HTML)

    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == ["7.eml", "8.eml"]  # no temporary file left
    message = email.message_from_bytes((tmp_path / "mail" / "7.eml").read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert parts_of(message)["text/plain"].strip() == "second envoi"


# --- local SMS outbox ----------------------------------------------------------------------


def test_local_sms_outbox_appends_one_json_line_per_sms(tmp_path: Path) -> None:
    outbox = LocalSmsOutbox(tmp_path / "outbox" / "sms.jsonl")

    outbox.send(1, "+33612345678", "Votre code de signature : 123 456")
    outbox.send(2, "+262692123456", "Deuxième message")

    lines = (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["to"], r["text"]) for r in records] == [
        ("+33612345678", "Votre code de signature : 123 456"),
        ("+262692123456", "Deuxième message"),
    ]
    assert all(set(r) == {"to", "text", "sent_at"} for r in records)
    assert all(datetime.fromisoformat(r["sent_at"]).utcoffset() == timedelta(0) for r in records)


def test_concurrent_sms_lines_stay_whole(tmp_path: Path) -> None:
    outbox = LocalSmsOutbox(tmp_path / "sms.jsonl")
    threads = [
        threading.Thread(target=outbox.send, args=(n, "+33612345678", f"message {n} " + "x" * 300)) for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    texts = sorted(json.loads(line)["text"] for line in (tmp_path / "sms.jsonl").read_text().splitlines())
    assert texts == sorted(f"message {n} " + "x" * 300 for n in range(20))


# --- SMTP ------------------------------------------------------------------------------------


class CollectingHandler:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Authenticator:
    """Accepts one user and password."""

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cr:t")
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    # aiosmtpd's Controller checks it is up by connecting to its port: it needs a real one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, CollectingHandler]]:
    handler = CollectingHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=Authenticator(), auth_require_tls=False
    )
    controller.start()
    yield port, handler
    controller.stop()


def test_smtp_mailer_delivers_both_parts_to_the_recipient(smtp_server: tuple[int, CollectingHandler]) -> None:
    port, handler = smtp_server
    mailer = SmtpMailer(SmtpServer.from_url(f"smtp://127.0.0.1:{port}"), MAIL_FROM, timeout=10)

    mailer.send(5, "zoe@example.fr", SUBJECT, TEXT, HTML)

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["zoe@example.fr"]
    assert envelope.mail_from == "ne-pas-repondre@1eleve1stage.fr"
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "zoe@example.fr"
    assert message["Subject"] == SUBJECT
    parts = parts_of(message)
    assert LINK in parts["text/plain"]
    assert f'href="{LINK}"' in parts["text/html"]


def test_smtp_mailer_logs_in_with_the_credentials_of_the_url(smtp_server: tuple[int, CollectingHandler]) -> None:
    port, handler = smtp_server

    SmtpMailer(SmtpServer.from_url(f"smtp://mailer:s3cr%3At@127.0.0.1:{port}"), MAIL_FROM).send(
        6, "leo@example.fr", SUBJECT, TEXT, HTML
    )
    with pytest.raises(Exception, match="535"):
        SmtpMailer(SmtpServer.from_url(f"smtp://mailer:wrong@127.0.0.1:{port}"), MAIL_FROM).send(
            7, "leo@example.fr", SUBJECT, TEXT, HTML
        )

    assert [envelope.rcpt_tos for envelope in handler.envelopes] == [["leo@example.fr"]]


def test_smtp_url_forms() -> None:
    assert SmtpServer.from_url("smtp://relay.example") == SmtpServer("relay.example", 25, "none")
    assert SmtpServer.from_url("smtp+starttls://u%40x:p%2Fw@relay.example:2525") == SmtpServer(
        "relay.example", 2525, "starttls", "u@x", "p/w"
    )
    assert SmtpServer.from_url("smtps://u:p@relay.example").port == 465
    assert "p/w" not in repr(SmtpServer.from_url("smtp+starttls://u:p%2Fw@relay.example"))
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpServer.from_url("http://relay.example")


# --- SMS provider over HTTP ------------------------------------------------------------------


class ProviderHandler(BaseHTTPRequestHandler):
    """A fake SMS provider: records each request, answers with the server's status."""

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.requests.append(  # type: ignore[attr-defined]
            {"path": self.path, "headers": dict(self.headers), "body": json.loads(self.rfile.read(length))}
        )
        status = self.server.status  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "msg-1"}')

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def provider() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), ProviderHandler)
    server.requests = []  # type: ignore[attr-defined]
    server.status = 202  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_http_sms_provider_posts_json_with_a_bearer_token(provider: HTTPServer) -> None:
    url = f"http://127.0.0.1:{provider.server_port}/v1/sms"

    HttpSmsProvider(url, "provider-token").send(12, "+33612345678", "Votre code : 123 456")

    [request] = provider.requests  # type: ignore[attr-defined]
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer provider-token"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == {"to": "+33612345678", "text": "Votre code : 123 456", "reference": "12"}


def test_http_sms_provider_raises_when_the_provider_refuses(provider: HTTPServer) -> None:
    provider.status = 503  # type: ignore[attr-defined]

    with pytest.raises(requests.HTTPError):
        HttpSmsProvider(f"http://127.0.0.1:{provider.server_port}/", "t").send(1, "+33612345678", "x")


# --- choice of transport ---------------------------------------------------------------------


def test_local_transports_by_default_and_remote_ones_when_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    for name in ("SMTP_URL", "SMS_PROVIDER_URL", "SMS_PROVIDER_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    mail = mail_sender_from_settings(Settings.from_env())
    sms = sms_sender_from_settings(Settings.from_env())
    assert isinstance(mail, LocalMailbox)
    assert mail.folder == tmp_path / "outbox" / "mail"
    assert isinstance(sms, LocalSmsOutbox)
    assert sms.path == tmp_path / "outbox" / "sms.jsonl"

    monkeypatch.setenv("SMTP_URL", "smtp+starttls://u:p@relay.example:587")
    monkeypatch.setenv("SMS_PROVIDER_URL", "https://sms.example/send")
    monkeypatch.setenv("SMS_PROVIDER_TOKEN", "tok")
    mail = mail_sender_from_settings(Settings.from_env())
    sms = sms_sender_from_settings(Settings.from_env())
    assert isinstance(mail, SmtpMailer)
    assert mail.server == SmtpServer("relay.example", 587, "starttls", "u", "p")
    assert isinstance(sms, HttpSmsProvider)
    assert (sms.url, sms.token) == ("https://sms.example/send", "tok")
