"""Create an administrator account (the « Statistiques » page).

    python -m services.identity.create_admin EMAIL NAME [--academy "Lyon"]

Without ``--academy`` the administrator is national (every department); with it, they see
that academy's departments only (``services.common.academies``). Like ``create_operator``,
it writes the identity database directly (``DATABASE_URL_IDENTITY``, else SQLite under
``STATE_DIR``); the account is confirmed and gets a random password, printed once, alone on
the last line (only its hash is kept). Exit status: 0 created, 1 the email has an account
already, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.orm import sessionmaker

from services.common.config import database_url
from services.common.contracts.identity import NewAdmin
from services.common.database import create_service_engine
from services.common.errors import DomainError
from services.common.migrations import upgrade
from services.common.validation import parse
from services.identity import accounts, rules
from services.identity.models import OutboxMessage, ProcessedEvent


def create(request: NewAdmin, password: str | None = None) -> tuple[dict[str, Any], str]:
    """Store the administrator; returns it and its password (a DomainError if the email is taken)."""
    upgrade("identity")
    engine = create_service_engine(database_url("identity"))
    factory = sessionmaker(engine, info={"outbox_model": OutboxMessage, "processed_model": ProcessedEvent})
    password = password or rules.new_operator_password()
    try:
        with factory() as session:
            user = accounts.create_admin(session, request, password)
            session.commit()
    finally:
        engine.dispose()
    return user, password


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns its exit status."""
    parser = argparse.ArgumentParser(description="Crée un compte administrateur (page « Statistiques »).")
    parser.add_argument("email", help="adresse e-mail, identifiant de connexion")
    parser.add_argument("name", help="nom affiché de l'administrateur")
    parser.add_argument("--academy", help="académie administrée (par exemple « Lyon ») ; sans elle : toute la France")
    args = parser.parse_args(argv)
    try:
        request = parse(NewAdmin, {"email": args.email, "name": args.name, "academy": args.academy})
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
    scope = f"académie de {request.academy}" if request.academy else "toute la France / nationwide"
    print(f"Compte administrateur créé / administrator account created: {user['email']} ({scope}, id {user['id']}).")
    print("Mot de passe, affiché une seule fois / password, shown only once:")
    print(password)
    return 0


if __name__ == "__main__":
    sys.exit(main())
