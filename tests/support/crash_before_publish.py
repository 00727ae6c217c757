"""Commit a sign-up, then die inside the outbox relay just before it publishes.

Run as a separate process by the outbox test: ``python -m tests.support.crash_before_publish``
with the environment of the test (database URL, AMQP URI). Exits with code 17 from inside
``publish``, as a process killed between commit and publish would.
"""

from __future__ import annotations

import os

from sqlalchemy.orm import sessionmaker

from services.common.config import amqp_uri, database_url
from services.common.contracts.identity import SignupRequest
from services.common.database import create_service_engine
from services.common.outbox import OutboxRelay
from services.identity import accounts
from services.identity.models import OutboxMessage, ProcessedEvent

CRASH_CODE = 17


def main() -> None:
    engine = create_service_engine(database_url("identity"))
    factory = sessionmaker(engine, info={"outbox_model": OutboxMessage, "processed_model": ProcessedEvent})
    with factory() as session:
        request = SignupRequest(
            email="crash@example.fr", password="un-mot-de-passe-solide", first_name="C", last_name="D", role="employer"
        )
        accounts.signup(session, request)
        session.commit()
    relay = OutboxRelay("identity", factory, OutboxMessage, amqp_uri())

    def die(*_args: object, **_kwargs: object) -> None:
        os._exit(CRASH_CODE)

    relay.publisher.publish = die  # type: ignore[method-assign]
    relay.publish_pending()


if __name__ == "__main__":
    main()
