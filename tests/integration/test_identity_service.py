"""Identity in a real container, on the real broker and database."""

from __future__ import annotations

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts import events
from services.common.errors import DomainError
from services.identity.models import OutboxMessage, Space, Team, User
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from tests.support.entrypoints import call
from tests.support.listener import IdentityEventsListener
from tests.support.schools import load_sample

pytestmark = pytest.mark.integration

PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def identity(start_service):
    IdentityEventsListener.received.clear()
    listener = start_service(IdentityEventsListener)
    start_service(MatchingService)
    container = start_service(IdentityService)
    return container, listener


def signup(identity, **fields):
    container, listener = identity
    body = {
        "email": "alice@example.fr",
        "password": PASSWORD,
        "first_name": "Alice",
        "last_name": "Durand",
        "role": "employer",
        **fields,
    }
    with entrypoint_waiter(listener, "on_user_signed_up", timeout=10), entrypoint_hook(container, "signup") as call:
        user = call(body)
    return user, IdentityEventsListener.of_type(events.USER_SIGNED_UP)[-1]


def test_signup_then_confirm_then_login(identity, databases):
    container, _ = identity
    user, event = signup(identity)
    assert user["email_confirmed"] is False
    assert event["data"]["email"] == "alice@example.fr"
    token = event["data"]["confirmation_token"]

    with pytest.raises(DomainError) as refused:
        call(container, "login", {"email": "alice@example.fr", "password": PASSWORD})
    assert (status_of(refused.value), refused.value.code) == (403, "EMAIL_NOT_CONFIRMED")

    assert call(container, "confirm_email", {"token": token})["email_confirmed"] is True
    with pytest.raises(DomainError) as reused:
        call(container, "confirm_email", {"token": token})
    assert reused.value.fields == {"token": ["Ce lien est invalide ou a déjà été utilisé."]}

    session = call(container, "login", {"email": "ALICE@example.fr ", "password": PASSWORD})
    assert session["user"]["id"] == user["id"]
    assert session["token"].count(".") == 2

    with Session(databases.engine("identity")) as db:
        stored = db.scalars(select(User)).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        outbox = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [row.event_type for row in outbox] == [events.USER_SIGNED_UP, events.EMAIL_CONFIRMED]


def test_an_employer_gets_a_team_and_a_default_space(identity, databases):
    user, _ = signup(identity)
    with Session(databases.engine("identity")) as db:
        team = db.scalars(select(Team)).one()
        assert team.owner_id == user["id"] == db.get(User, user["id"]).id
        assert user["team_id"] == team.id
        spaces = db.scalars(select(Space)).all()
        assert [(s.name, s.is_default, s.team_id) for s in spaces] == [("Espace principal", True, team.id)]


def test_a_pupil_is_attached_to_a_school_and_has_no_team(identity, databases):
    user, _ = signup(identity, role="student", school_uai="0752694w", grade="troisieme")
    assert (user["school_uai"], user["grade"], user["team_id"]) == ("0752694W", "troisieme", None)
    with Session(databases.engine("identity")) as db:
        assert db.scalars(select(Team)).all() == []


def test_an_email_is_taken_once_and_its_owner_told(identity, databases):
    container, listener = identity
    owner, _ = signup(identity)
    with entrypoint_waiter(listener, "on_signup_on_taken_email", timeout=10):
        again = call(
            container,
            "signup",
            {
                "email": "Alice@Example.fr",
                "password": PASSWORD,
                "first_name": "A",
                "last_name": "B",
                "role": "teacher",
                "school_uai": "0752694W",
            },
        )
    # The answer of a new account, but none is made: the owner is emailed instead.
    assert (again["email"], again["role"], again["email_confirmed"]) == ("alice@example.fr", "teacher", False)
    assert again["id"] != owner["id"]
    [told] = IdentityEventsListener.of_type(events.SIGNUP_ON_TAKEN_EMAIL)
    assert told["data"] == {"user_id": owner["id"], "email": "alice@example.fr", "first_name": "Alice"}
    with Session(databases.engine("identity")) as db:
        assert [user.role for user in db.scalars(select(User)).all()] == ["employer"]


def test_ten_failures_lock_an_account_and_an_unknown_address_alike(identity):
    container, _ = identity
    _, event = signup(identity)
    call(container, "confirm_email", {"token": event["data"]["confirmation_token"]})
    for email in ("alice@example.fr", "nobody@example.fr"):
        for _ in range(10):
            with pytest.raises(DomainError) as wrong:
                call(container, "login", {"email": email, "password": "mauvais mot de passe"})
            assert (status_of(wrong.value), wrong.value.code) == (401, "INVALID_CREDENTIALS")
        with pytest.raises(DomainError) as locked:
            call(container, "login", {"email": email, "password": PASSWORD})
        assert status_of(locked.value) == 429
        assert 14 * 60 <= locked.value.retry_after <= 15 * 60 + 1


def test_logout_revokes_the_session_and_tells_everyone(identity):
    container, listener = identity
    _, event = signup(identity)
    call(container, "confirm_email", {"token": event["data"]["confirmation_token"]})
    session = call(container, "login", {"email": "alice@example.fr", "password": PASSWORD})
    from services.common import session_tokens

    sid = session_tokens.read("test-secret-key-not-for-production-0123456789", session["token"]).session_id
    assert call(container, "is_session_active", sid) is True
    with entrypoint_waiter(listener, "on_session_revoked", timeout=10):
        call(container, "logout", sid)
    assert call(container, "is_session_active", sid) is False
    assert call(container, "revoked_sessions") == [sid]
    assert IdentityEventsListener.of_type(events.SESSION_REVOKED)[-1]["data"]["session_id"] == sid


def test_password_reset_changes_the_password_and_ends_sessions(identity):
    container, listener = identity
    _, event = signup(identity)
    call(container, "confirm_email", {"token": event["data"]["confirmation_token"]})
    call(container, "login", {"email": "alice@example.fr", "password": PASSWORD})

    call(container, "request_password_reset", {"email": "personne@example.fr"})  # silent, no event
    with entrypoint_waiter(listener, "on_password_reset_requested", timeout=10):
        call(container, "request_password_reset", {"email": "alice@example.fr"})
    reset = IdentityEventsListener.of_type(events.PASSWORD_RESET_REQUESTED)
    assert [e["data"]["email"] for e in reset] == ["alice@example.fr"]

    with entrypoint_waiter(listener, "on_session_revoked", timeout=10):
        call(
            container, "reset_password", {"token": reset[0]["data"]["reset_token"], "password": "nouveau-mot-de-passe"}
        )
    with pytest.raises(DomainError):
        call(container, "login", {"email": "alice@example.fr", "password": PASSWORD})
    assert call(container, "login", {"email": "alice@example.fr", "password": "nouveau-mot-de-passe"})["token"]


def test_typed_errors_cross_the_bus_intact(identity, env):
    with (
        ServiceRpcProxy("identity", {"AMQP_URI": env["AMQP_URI"]}, timeout=10) as remote,
        pytest.raises(DomainError) as invalid,
    ):
        remote.signup({"email": "x", "role": "student"})
    error = invalid.value
    assert (status_of(error), error.code) == (422, "VALIDATION_ERROR")
    assert error.fields["password"] == ["Ce champ est obligatoire."]
    assert "email" in error.fields


def test_once_the_directory_is_loaded_a_school_must_be_in_it(identity, databases):
    container, _ = identity
    load_sample(databases.urls["matching"])
    body = {"password": PASSWORD, "first_name": "P", "last_name": "Q", "role": "student", "grade": "troisieme"}
    with pytest.raises(DomainError) as unknown:
        # a valid checksum, but no such school in the directory
        call(container, "signup", {**body, "email": "x@example.fr", "school_uai": "0751710B"})
    assert unknown.value.fields == {"school_uai": ["Aucun établissement de l'annuaire n'a ce code UAI."]}
    assert call(container, "signup", {**body, "email": "y@example.fr", "school_uai": "0752694W"})["school_uai"]
