"""Create an operator account of the partner API v2.

    python -m services.identity.create_operator EMAIL NAME

Writes the identity database directly (``DATABASE_URL_IDENTITY``, else SQLite under
``STATE_DIR``), like ``services.identity.demo``. The account is confirmed and gets a random
password, printed once, alone on the last line (only its hash is kept), so a script can take
it with ``tail -n 1``. Exit status: 0 created, 1 the email has an account already, 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from services.common.contracts.identity import NewOperator
from services.identity import accounts
from services.identity.account_command import create_account, run


def create(request: NewOperator) -> tuple[dict[str, Any], str]:
    """Store the operator account; returns it and its password (a DomainError if taken)."""
    return create_account(lambda session, password: accounts.create_operator(session, request, password))


def _created(request: NewOperator, user: dict[str, Any]) -> str:
    return f"Compte opérateur créé / operator account created: {user['email']} « {request.name} » (id {user['id']})."


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns its exit status."""
    parser = argparse.ArgumentParser(description="Crée un compte opérateur de l'API partenaires v2.")
    parser.add_argument("email", help="adresse e-mail, identifiant de connexion")
    parser.add_argument("name", help="nom affiché de l'opérateur")
    return run(parser, argv, NewOperator, create, _created)


if __name__ == "__main__":
    sys.exit(main())
