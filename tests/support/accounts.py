"""Accounts made through the gateway as a person makes theirs: sign-up, the emailed link,
login. For tests of a running platform (``tests.support.stack``) that need logged-in users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.support.mailbox import token_in, wait_for_mail

PASSWORD = "un-mot-de-passe-solide"
MAIL_WAIT = 60.0
"""Longest wait for the confirmation email: generous, for a platform a fault test is shaking."""


@dataclass(frozen=True)
class Account:
    """A confirmed, logged-in user: ``headers`` carry their bearer token."""

    email: str
    user_id: int
    first_name: str
    last_name: str
    headers: dict[str, str]

    @property
    def token(self) -> str:
        """The bearer token itself, for a browser journey run in a process of its own."""
        return self.headers["Authorization"].removeprefix("Bearer ")

    @property
    def name(self) -> str:
        """As the platform writes it in emails (« Prénom Nom »)."""
        return f"{self.first_name} {self.last_name}"


def confirmed_account(
    url: str, state_dir: Path, role: str, first_name: str = "Inès", last_name: str = "Perrin", **fields: Any
) -> Account:
    """A new account of ``role`` at the gateway ``url`` (``fields``: school_uai, grade, ...),
    confirmed with the link of its email read from ``state_dir``'s outbox, then logged in."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.fr"
    body = {"email": email, "password": PASSWORD, "first_name": first_name, "last_name": last_name, "role": role}
    created = requests.post(f"{url}/api/v1/auth/signup", json={**body, **fields}, timeout=30)
    assert created.status_code == 201, created.text
    [mail] = wait_for_mail(state_dir, email, timeout=MAIL_WAIT)
    confirmed = requests.post(f"{url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=30)
    assert confirmed.status_code == 200, confirmed.text
    login = requests.post(f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    return Account(email, created.json()["id"], first_name, last_name, headers)
