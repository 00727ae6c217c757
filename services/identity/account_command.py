"""What the account-creating commands share (``create_operator``, ``create_admin``): they write
the identity database directly (``DATABASE_URL_IDENTITY``, else SQLite under ``STATE_DIR``),
give the confirmed account a random password printed once, alone on the last line (only its
hash is kept), and exit 0 created, 1 the email has an account already, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from services.common.config import database_url
from services.common.contracts.identity import NewAdmin, NewOperator
from services.common.database import create_service_engine
from services.common.errors import DomainError
from services.common.migrations import upgrade
from services.common.validation import parse
from services.identity import rules
from services.identity.models import OutboxMessage, ProcessedEvent

Request = TypeVar("Request", NewOperator, NewAdmin)


def create_account(
    store: Callable[[Session, str], dict[str, Any]], password: str | None = None
) -> tuple[dict[str, Any], str]:
    """Migrate the identity database, then ``store`` the account in one transaction with
    ``password`` (else a random one); returns the account and its password."""
    upgrade("identity")
    engine = create_service_engine(database_url("identity"))
    factory = sessionmaker(engine, info={"outbox_model": OutboxMessage, "processed_model": ProcessedEvent})
    password = password or rules.new_operator_password()
    try:
        with factory() as session:
            user = store(session, password)
            session.commit()
    finally:
        engine.dispose()
    return user, password


def run(
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    contract: type[Request],
    create: Callable[[Request], tuple[dict[str, Any], str]],
    created: Callable[[Request, dict[str, Any]], str],
) -> int:
    """Parse the command line into ``contract`` (its fields named as the arguments), ``create``
    the account and print ``created`` then the password; returns the exit status."""
    args = parser.parse_args(argv)
    try:
        request = parse(contract, vars(args))
    except DomainError as exc:
        for field, messages in (exc.fields or {}).items():
            print(f"{field} : {' '.join(messages)}", file=sys.stderr)
        return 2
    try:
        user, password = create(request)
    except DomainError as exc:
        if exc.code != "EMAIL_TAKEN":
            raise
        email = rules.normalize_email(str(request.email))
        print(
            f"Un compte existe déjà pour {email} : rien n'a été créé. "
            f"/ An account already exists for {email}: nothing was created.",
            file=sys.stderr,
        )
        return 1
    print(created(request, user))
    print("Mot de passe, affiché une seule fois / password, shown only once:")
    print(password)
    return 0
