"""Demo accounts for a local platform: ``python -m services.identity.demo``.

Idempotent: existing accounts are left as they are. Prints the accounts, one a line.
"""

from __future__ import annotations

import sys

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.common.config import database_url
from services.common.contracts.identity import NewAdmin, SignupRequest
from services.common.database import create_service_engine
from services.common.migrations import upgrade
from services.identity import accounts, staff_rules
from services.identity.models import OutboxMessage, ProcessedEvent, User

DEMO_PASSWORD = "demo-stage-2026"  # noqa: S105 - printed on purpose: local demo only

DEMO_ACCOUNTS: tuple[dict[str, str], ...] = (
    {
        "email": "employeur@demo.1e1s.fr",
        "first_name": "Valérie",
        "last_name": "Martin",
        "role": "employer",
        "phone": "+33612345678",
    },
    {
        "email": "eleve@demo.1e1s.fr",
        "first_name": "Lina",
        "last_name": "Benali",
        "role": "student",
        "school_uai": "0752694W",
        "grade": "troisieme",
        "class_name": "3e B",
        "phone": "+33698765432",
    },
    {
        "email": "principal@demo.1e1s.fr",
        "first_name": "Marc",
        "last_name": "Durand",
        "role": "school_manager",
        "school_uai": "0752694W",
    },
    {
        "email": "professeur@demo.1e1s.fr",
        "first_name": "Sophie",
        "last_name": "Leroy",
        "role": "teacher",
        "school_uai": "0752694W",
    },
)


# The national administrator of the « Statistiques » page.
DEMO_ADMIN = NewAdmin(email="admin@demo.1e1s.fr", name="Administration nationale")


def load() -> list[str]:
    """Create the missing demo accounts (confirmed, no email sent); returns their lines."""
    upgrade("identity")
    engine = create_service_engine(database_url("identity"))
    factory = sessionmaker(engine, info={"outbox_model": OutboxMessage, "processed_model": ProcessedEvent})
    lines = []
    try:
        with factory() as session:
            for account in DEMO_ACCOUNTS:
                exists = session.scalar(select(User.id).where(User.email == account["email"]))
                if exists is None:
                    created = accounts.signup(session, SignupRequest(password=DEMO_PASSWORD, **account), confirmed=True)
                    if account["role"] == staff_rules.TEACHER_ROLE:
                        # The demo head of school has confirmed the demo teacher: the demo
                        # shows what a teacher sees (a pending teacher is tried by signing up).
                        teacher = session.get(User, created["id"])
                        assert teacher is not None
                        teacher.staff_status = staff_rules.CONFIRMED
                lines.append(f"{account['role']:<15} {account['email']:<28} {DEMO_PASSWORD}")
            # Administrators cannot sign up: the national one is made as create_admin makes it.
            if session.scalar(select(User.id).where(User.email == DEMO_ADMIN.email)) is None:
                accounts.create_admin(session, DEMO_ADMIN, DEMO_PASSWORD)
            lines.append(f"{'admin':<15} {DEMO_ADMIN.email:<28} {DEMO_PASSWORD}")
            session.commit()
    finally:
        engine.dispose()
    return lines


if __name__ == "__main__":
    print("\n".join(load()))
    sys.exit(0)
