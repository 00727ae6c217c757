"""Administrators' accounts (the « Statistiques » page): made by a command, national or of
one academy, they log in to the v1 API (not the partners' v2) and nobody signs up as one;
against the real broker and database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.errors import DomainError
from services.identity.models import OutboxMessage, User
from services.identity.service import IdentityService

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def create_admin_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.identity.create_admin", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def identity(start_service):
    return start_service(IdentityService)


def test_the_command_creates_national_and_academy_administrators(identity, env, databases):
    national = create_admin_command(env, "Statistiques@Example.fr", "Direction du numérique")
    assert national.returncode == 0, national.stderr
    password = national.stdout.strip().splitlines()[-1]
    assert " " not in password and len(password) >= 32
    lyon = create_admin_command(env, "rectorat@example.fr", "Rectorat de Lyon", "--academy", "lyon")
    assert lyon.returncode == 0, lyon.stderr
    assert "académie de Lyon" in lyon.stdout

    with Session(databases.engine("identity")) as db:
        users = {user.email: user for user in db.scalars(select(User).where(User.role == "admin"))}
        assert {email: user.academy for email, user in users.items()} == {
            "statistiques@example.fr": None,
            "rectorat@example.fr": "Lyon",  # the academy's own spelling
        }
        assert all(user.email_confirmed_at is not None for user in users.values())
        assert db.scalars(select(OutboxMessage)).all() == []  # no email

    with entrypoint_hook(identity, "login") as login:
        answer = login({"email": "statistiques@example.fr", "password": password})
    assert (answer["user"]["role"], answer["user"]["academy"]) == ("admin", None)
    with entrypoint_hook(identity, "get_user") as get_user:
        assert get_user(users["rectorat@example.fr"].id)["academy"] == "Lyon"
    with entrypoint_hook(identity, "partner_login") as partner_login, pytest.raises(DomainError) as refused:
        partner_login({"email": "statistiques@example.fr", "password": password})
    assert status_of(refused.value) == 401

    again = create_admin_command(env, "statistiques@example.fr", "Autre nom")
    assert (again.returncode, again.stdout) == (1, "")
    unknown = create_admin_command(env, "caen@example.fr", "Rectorat", "--academy", "Caen")
    assert unknown.returncode == 2
    assert "academy" in unknown.stderr and "Normandie" in unknown.stderr


def test_nobody_signs_up_as_an_administrator(identity):
    body = {
        "email": "malin@example.fr",
        "password": "un-mot-de-passe-solide",
        "first_name": "Marc",
        "last_name": "Malin",
        "role": "admin",
    }
    with entrypoint_hook(identity, "signup") as signup, pytest.raises(DomainError) as refused:
        signup(body)
    assert (status_of(refused.value), list(refused.value.fields)) == (422, ["role"])
