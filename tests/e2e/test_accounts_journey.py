"""Accounts through the gateway's HTTP API only, as a person with curl would do it."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.mailbox import text_of, token_in, wait_for_mail

pytestmark = pytest.mark.e2e

PASSWORD = "un-mot-de-passe-solide"


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}@example.fr"


def signup(stack, **fields):
    body = {"password": PASSWORD, "first_name": "Camille", "last_name": "Petit", **fields}
    return requests.post(f"{stack.url}/api/v1/auth/signup", json=body, timeout=10)


def confirm_and_login(stack, email):
    [mail] = wait_for_mail(stack.state_dir, email)
    assert requests.post(f"{stack.url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=10).ok
    answer = requests.post(f"{stack.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def test_signup_confirm_login_me_logout(stack):
    email = unique_email("employeur")
    created = signup(stack, email=email, role="employer", phone="06 12 34 56 78")
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["email"], user["role"], user["phone"], user["email_confirmed"]) == (
        email,
        "employer",
        "+33612345678",
        False,
    )

    early = requests.post(f"{stack.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
    assert (early.status_code, early.json()["code"]) == (403, "EMAIL_NOT_CONFIRMED")

    [mail] = wait_for_mail(stack.state_dir, email)
    assert mail["To"] == email
    assert "Confirm" in mail["Subject"] or "confirm" in mail["Subject"]
    assert f"{stack.url}/confirmer-mon-email?token=" in text_of(mail)
    token = confirm_and_login(stack, email)

    me = requests.get(f"{stack.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert me.json()["email_confirmed"] is True

    out = requests.post(f"{stack.url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert out.status_code == 204
    again = requests.get(f"{stack.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert (again.status_code, again.json()["code"]) == (401, "SESSION_REVOKED")


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "student", "school_uai": "0752694W", "grade": "troisieme", "class_name": "3e B"},
        {"role": "school_manager", "school_uai": "0752694W"},
        {"role": "teacher", "school_uai": "0750682J"},
    ],
)
def test_every_school_role_signs_up_with_its_school(stack, fields):
    email = unique_email(fields["role"])
    created = signup(stack, email=email, **fields)
    assert created.status_code == 201, created.text
    assert created.json()["school_uai"] == fields["school_uai"]
    token = confirm_and_login(stack, email)
    me = requests.get(f"{stack.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert me["role"] == fields["role"]


def test_forgotten_password_through_the_emailed_link(stack):
    email = unique_email("oubli")
    assert signup(stack, email=email, role="employer").status_code == 201
    old_token = confirm_and_login(stack, email)

    for address in (email, unique_email("inconnu")):
        asked = requests.post(f"{stack.url}/api/v1/auth/password-reset", json={"email": address}, timeout=10)
        assert asked.status_code == 202
    mails = wait_for_mail(stack.state_dir, email, count=2)
    reset_mail = mails[-1] if "nouveau-mot-de-passe" in text_of(mails[-1]) else mails[0]
    assert f"{stack.url}/nouveau-mot-de-passe?token=" in text_of(reset_mail)

    changed = requests.post(
        f"{stack.url}/api/v1/auth/password-reset/confirm",
        json={"token": token_in(reset_mail), "password": "tout-nouveau-secret"},
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    old = requests.get(f"{stack.url}/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}, timeout=10)
    assert old.status_code == 401
    login = requests.post(
        f"{stack.url}/api/v1/auth/login", json={"email": email, "password": "tout-nouveau-secret"}, timeout=10
    )
    assert login.status_code == 200


def test_errors_follow_the_contract(stack):
    invalid = signup(stack, email="pas-une-adresse", role="student", password="court")
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert {"email", "password", "school_uai", "grade"} <= set(body["fields"])
    assert all(isinstance(m, str) for messages in body["fields"].values() for m in messages)

    malformed = requests.post(
        f"{stack.url}/api/v1/auth/signup", data="{pas du json", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert (malformed.status_code, malformed.json()["code"]) == (400, "MALFORMED_JSON")

    anonymous = requests.get(f"{stack.url}/api/v1/me", timeout=10)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHENTICATED")
    forged = requests.get(f"{stack.url}/api/v1/me", headers={"Authorization": "Bearer abc.def.ghi"}, timeout=10)
    assert forged.status_code == 401

    # An address that has an account gets the answer of a new one: sign-up tells nobody who
    # has an account (its owner is emailed instead, see tests/security/test_account_abuse.py).
    taken_email = unique_email("double")
    first = signup(stack, email=taken_email, role="employer")
    taken = signup(stack, email=taken_email.upper(), role="employer")
    assert (first.status_code, taken.status_code) == (201, 201)
    assert set(taken.json()) == set(first.json())

    unknown = requests.get(f"{stack.url}/api/v1/nothing-here", timeout=10)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")


def test_login_is_throttled_after_ten_failures(stack):
    email = unique_email("force-brute")
    for _ in range(10):
        wrong = requests.post(f"{stack.url}/api/v1/auth/login", json={"email": email, "password": "x" * 12}, timeout=10)
        assert wrong.status_code == 401
    locked = requests.post(f"{stack.url}/api/v1/auth/login", json={"email": email, "password": "x" * 12}, timeout=10)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
