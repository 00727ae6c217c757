"""The notifications service in a real container, on the real broker and database.

Events are published exactly as identity's outbox relay publishes them; a redelivered event
(same ``event_id``) must not produce a second email.
"""

from __future__ import annotations

import email
import json
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts.events import PASSWORD_RESET_REQUESTED, USER_SIGNED_UP
from services.common.database import utcnow
from services.common.errors import DomainError
from services.notifications.models import Delivery
from services.notifications.service import NotificationsService
from tests.support.databases import DatabaseSet
from tests.support.events import publish_event
from tests.support.vhosts import private_vhost

pytestmark = pytest.mark.integration


def mail_files(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["STATE_DIR"]) / "outbox" / "mail").glob("*.eml"))


def read_email(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def sms_lines(env: dict[str, str]) -> list[dict[str, Any]]:
    path = Path(env["STATE_DIR"]) / "outbox" / "sms.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def count_rows(databases: DatabaseSet, table: str) -> int:
    with databases.engine("notifications").connect() as connection:
        return int(connection.scalar(sa.text(f"SELECT count(*) FROM {table}")))  # noqa: S608 (a table name of ours)


@pytest.fixture(scope="module")
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of this module's own beside the suite's, deleted after the module.

    The identity events published here then reach no other test's durable queues (a
    listener started by another test would find them later), and no event left by another
    test reaches the notifications queues declared here.
    """
    with private_vhost(amqp_uri, "e1s-test-notifications") as uri:
        yield uri


@pytest.fixture
def container(env: dict[str, str], start_service: Callable[..., Any]) -> Any:
    # Started before anything is published: starting declares the service's event queues.
    return start_service(NotificationsService)


def test_signup_mails_one_confirmation_even_when_the_event_is_redelivered(
    container: Any, env: dict[str, str], amqp_uri: str, databases: DatabaseSet
) -> None:
    data = {
        "user_id": 12,
        "email": "zoe.martin@example.fr",
        "first_name": "Zoé",
        "last_name": "Martin",
        "role": "student",
        "confirmation_token": "conf-tok-42",
    }

    with entrypoint_waiter(container, "on_user_signed_up"):
        event_id = publish_event(amqp_uri, "identity", USER_SIGNED_UP, data)

    [path] = mail_files(env)
    first_bytes = path.read_bytes()
    message = read_email(path)
    assert message["To"] == "zoe.martin@example.fr"
    assert "http://e1s.test/confirmer-mon-email?token=conf-tok-42" in text_of(message)
    assert b"token=conf-tok-42" in first_bytes

    # The same event again (a redelivery, or the relay publishing twice): no second email.
    with entrypoint_waiter(container, "on_user_signed_up"):
        publish_event(amqp_uri, "identity", USER_SIGNED_UP, data, event_id)

    assert mail_files(env) == [path]
    assert path.read_bytes() == first_bytes
    assert count_rows(databases, "deliveries") == 1
    assert count_rows(databases, "processed_events") == 1


def test_password_reset_request_mails_the_reset_link(container: Any, env: dict[str, str], amqp_uri: str) -> None:
    data = {"user_id": 12, "email": "zoe@example.fr", "first_name": "Zoé", "reset_token": "reset-tok-7"}

    with entrypoint_waiter(container, "on_password_reset_requested"):
        publish_event(amqp_uri, "identity", PASSWORD_RESET_REQUESTED, data)

    [path] = mail_files(env)
    message = read_email(path)
    assert message["To"] == "zoe@example.fr"
    assert message["Subject"] == "Réinitialisation de votre mot de passe – 1 élève 1 stage"
    body = text_of(message)
    assert "http://e1s.test/nouveau-mot-de-passe?token=reset-tok-7" in body
    assert "1 heure" in body


def test_send_sms_writes_one_line_and_is_idempotent_on_its_reference(container: Any, env: dict[str, str]) -> None:
    with entrypoint_hook(container, "send_sms") as send_sms:
        first = send_sms("06 12 34 56 78", "Votre code de signature : 123 456", "signature-request-1")
        again = send_sms("06 12 34 56 78", "Votre code de signature : 123 456", "signature-request-1")
        other = send_sms("+33 6 98 76 54 32", "Votre code de signature : 654 321", "signature-request-2")

    assert first == again != other
    lines = sms_lines(env)
    assert [(line["to"], line["text"]) for line in lines] == [
        ("+33612345678", "Votre code de signature : 123 456"),
        ("+33698765432", "Votre code de signature : 654 321"),
    ]


def test_send_sms_refuses_an_invalid_number(container: Any, env: dict[str, str]) -> None:
    with entrypoint_hook(container, "send_sms") as send_sms, pytest.raises(DomainError) as refused:
        send_sms("12", "Votre code : 123 456", "signature-request-3")

    assert refused.value.code == "VALIDATION_ERROR"
    assert status_of(refused.value) == 422
    assert refused.value.fields == {"phone": ["Numéro de téléphone invalide."]}
    assert sms_lines(env) == []


def test_the_delivery_log_answers_over_rpc(container: Any, env: dict[str, str], amqp_uri: str) -> None:
    with entrypoint_waiter(container, "on_password_reset_requested"):
        data = {"user_id": 3, "email": "leo@example.fr", "first_name": "Léo", "reset_token": "r-1"}
        publish_event(amqp_uri, "identity", PASSWORD_RESET_REQUESTED, data)

    with ServiceRpcProxy("notifications", {"AMQP_URI": amqp_uri}, timeout=10) as notifications:
        sms_id = notifications.send_sms("0612345678", "Votre code : 123 456", "signature-request-4")
        log = notifications.deliveries()
        to_phone = notifications.deliveries(recipient="+33612345678")
        with pytest.raises(DomainError) as refused:
            notifications.send_sms("pas un numéro", "x", "signature-request-5")

    assert [(d["channel"], d["recipient"], d["status"]) for d in log] == [
        ("sms", "+33612345678", "sent"),
        ("email", "leo@example.fr", "sent"),
    ]
    assert log[0]["id"] == sms_id
    assert log[1]["template"] == "password_reset"
    assert [d["id"] for d in to_phone] == [sms_id]
    # The typed error crosses the bus intact, for the gateway to map to a 422.
    assert refused.value.code == "VALIDATION_ERROR"
    assert refused.value.fields == {"phone": ["Numéro de téléphone invalide."]}


def test_the_retry_timer_sends_a_delivery_left_pending_by_a_crash(
    container: Any, env: dict[str, str], databases: DatabaseSet
) -> None:
    # As if the process had stopped between committing the delivery and sending it.
    now = utcnow()
    with Session(databases.engine("notifications")) as session, session.begin():
        session.add(
            Delivery(
                channel="sms",
                template="sms",
                recipient="+33612345678",
                body="Votre code : 777 777",
                reference="signature-request-6",
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )

    with entrypoint_hook(container, "retry_deliveries") as retry:
        retry()

    assert [line["text"] for line in sms_lines(env)] == ["Votre code : 777 777"]
    with entrypoint_hook(container, "deliveries") as deliveries:
        [delivery] = deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("sent", 1)
