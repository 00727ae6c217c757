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

from services.common.contracts.identity import NewAdmin
from services.identity import accounts
from services.identity.account_command import create_account, run


def create(request: NewAdmin, password: str | None = None) -> tuple[dict[str, Any], str]:
    """Store the administrator; returns it and its password (a DomainError if the email is taken)."""
    return create_account(lambda session, chosen: accounts.create_admin(session, request, chosen), password)


def _created(request: NewAdmin, user: dict[str, Any]) -> str:
    scope = f"académie de {request.academy}" if request.academy else "toute la France / nationwide"
    return f"Compte administrateur créé / administrator account created: {user['email']} ({scope}, id {user['id']})."


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns its exit status."""
    parser = argparse.ArgumentParser(description="Crée un compte administrateur (page « Statistiques »).")
    parser.add_argument("email", help="adresse e-mail, identifiant de connexion")
    parser.add_argument("name", help="nom affiché de l'administrateur")
    parser.add_argument("--academy", help="académie administrée (par exemple « Lyon ») ; sans elle : toute la France")
    return run(parser, argv, NewAdmin, create, _created)


if __name__ == "__main__":
    sys.exit(main())
