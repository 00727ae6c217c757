"""The team invitation email: the notifications service in a real container, on the real broker
and database, hearing identity's ``team_invitation_sent`` as identity's outbox relay publishes it.
"""

from __future__ import annotations

import email
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_waiter

from services.common.contracts.events import TEAM_INVITATION_SENT, TeamInvitationSent
from services.notifications.service import NotificationsService
from tests.support.databases import DatabaseSet
from tests.support.events import publish_event
from tests.support.vhosts import private_vhost

pytestmark = pytest.mark.integration

HANDLER = "on_team_invitation_sent"


@pytest.fixture(scope="module")
def amqp_uri(amqp_uri: str) -> Iterator[str]:
    """A vhost of this module's own: its identity events reach no other test's durable queues."""
    with private_vhost(amqp_uri, "e1s-test-team-notif") as uri:
        yield uri


@pytest.fixture
def container(env: dict[str, str], start_service: Callable[..., Any]) -> Any:
    # Started before anything is published: starting declares the service's event queues.
    return start_service(NotificationsService)


def mails(env: dict[str, str]) -> list[EmailMessage]:
    paths = sorted((Path(env["STATE_DIR"]) / "outbox" / "mail").glob("*.eml"))
    found = [email.message_from_bytes(path.read_bytes(), policy=default_policy) for path in paths]
    return [message for message in found if isinstance(message, EmailMessage)]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def count_rows(databases: DatabaseSet, table: str) -> int:
    with databases.engine("notifications").connect() as connection:
        return int(connection.scalar(sa.text(f"SELECT count(*) FROM {table}")))  # noqa: S608 (a table name of ours)


def invitation(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "invitation_id": 31,
        "email": "Theophile.Durand@Example.fr",
        "team_id": 4,
        "inviter_name": "Valérie Petit",
        "expires_at": "2026-12-07T09:15:00+00:00",
        "invitation_token": "inv-tok_7Xy",
    }
    return TeamInvitationSent.model_validate({**values, **changes}).model_dump(mode="json")


def test_an_invitation_mails_the_invitee_once_even_when_redelivered(
    container: Any, env: dict[str, str], amqp_uri: str, databases: DatabaseSet
) -> None:
    with entrypoint_waiter(container, HANDLER, timeout=10):
        event_id = publish_event(amqp_uri, "identity", TEAM_INVITATION_SENT, invitation())

    [message] = mails(env)
    assert message["To"] == "theophile.durand@example.fr"
    assert message["Subject"] == "Valérie Petit vous invite à rejoindre son équipe sur 1 élève 1 stage"
    body = text_of(message)
    assert "http://e1s.test/rejoindre-une-equipe?token=inv-tok_7Xy" in body
    assert "délégation complète" in body and "signature comprise" in body
    assert "valable 7 jours, jusqu'au 7 décembre 2026 à 10 h 15 (heure de Paris)" in body
    assert "refuser l'invitation" in body
    html = message.get_body(preferencelist=("html",))
    assert html is not None and 'href="http://e1s.test/rejoindre-une-equipe?token=inv-tok_7Xy"' in html.get_content()

    # The same event again (a redelivery, or the relay publishing twice): no second email.
    with entrypoint_waiter(container, HANDLER, timeout=10):
        publish_event(amqp_uri, "identity", TEAM_INVITATION_SENT, invitation(), event_id)
    assert len(mails(env)) == 1
    assert count_rows(databases, "deliveries") == 1


def test_each_invitation_is_its_own_email_to_its_invitee(container: Any, env: dict[str, str], amqp_uri: str) -> None:
    for number, address in enumerate(("leo@example.fr", "nina@example.fr"), start=1):
        data = invitation(invitation_id=number, email=address, invitation_token=f"token-{number}")
        with entrypoint_waiter(container, HANDLER, timeout=10):
            publish_event(amqp_uri, "identity", TEAM_INVITATION_SENT, data)

    sent = {str(message["To"]): text_of(message) for message in mails(env)}
    assert set(sent) == {"leo@example.fr", "nina@example.fr"}
    assert "token=token-1" in sent["leo@example.fr"] and "token=token-2" in sent["nina@example.fr"]
