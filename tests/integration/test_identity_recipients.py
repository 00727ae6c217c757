"""Identity names who is told about a team's and a school's business: ``host_recipients`` and
``school_staff``, in a real container on the real broker and database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from services.common.contracts import events
from services.common.errors import DomainError
from services.identity.service import IdentityService
from services.matching.service import MatchingService
from tests.support.databases import DatabaseSet
from tests.support.entrypoints import call
from tests.support.listener import IdentityEventsListener
from tests.support.teams import join_team as support_join_team

pytestmark = pytest.mark.integration

PASSWORD = "un-mot-de-passe-solide"
SCHOOL = "0752694W"
OTHER_SCHOOL = "0690001B"


class Accounts:
    """Signs up accounts through identity, confirming their address with the emailed token."""

    def __init__(self, container: Any, listener: Any) -> None:
        self.container = container
        self.listener = listener

    def call(self, method: str, *args: Any) -> Any:
        return call(self.container, method, *args)

    def signup(self, email: str, first_name: str, role: str, confirm: bool = True, **fields: Any) -> dict[str, Any]:
        body = {"email": email, "password": PASSWORD, "first_name": first_name, "last_name": "Test", "role": role}
        with entrypoint_waiter(self.listener, "on_user_signed_up", timeout=10):
            user = self.call("signup", {**body, **fields})
        if confirm:
            [event] = [e for e in IdentityEventsListener.of_type(events.USER_SIGNED_UP) if e["data"]["email"] == email]
            self.call("confirm_email", {"token": event["data"]["confirmation_token"]})
        return user


@pytest.fixture
def accounts(start_service: Callable[..., Any]) -> Accounts:
    IdentityEventsListener.received.clear()
    listener = start_service(IdentityEventsListener)
    start_service(MatchingService)
    return Accounts(start_service(IdentityService), listener)


def join_team(databases: DatabaseSet, user_id: int, team_id: int) -> None:
    support_join_team(databases.engine("identity"), user_id, team_id)


def test_host_recipients_are_the_members_notified_for_the_space_ordered_by_id_else_the_owner(
    accounts: Accounts, databases: DatabaseSet, amqp_uri: str
) -> None:
    owner = accounts.signup("alice@boulangerie.example", "Alice", "employer")
    other_team = accounts.signup("bob@garage.example", "Bob", "employer")
    colleague = accounts.signup("chloe@boulangerie.example", "Chloé", "employer", confirm=False)
    accounts.signup("zoe@example.fr", "Zoé", "student", school_uai=SCHOOL, grade="troisieme")
    join_team(databases, colleague["id"], owner["team_id"])
    [space] = accounts.call("team_spaces", owner["team_id"])

    team = accounts.call("host_recipients", owner["team_id"], space["id"])

    # Every member is notified for the space (the settings are tested in test_identity_teams).
    assert team == [
        {"user_id": owner["id"], "email": "alice@boulangerie.example", "first_name": "Alice", "last_name": "Test"},
        {"user_id": colleague["id"], "email": "chloe@boulangerie.example", "first_name": "Chloé", "last_name": "Test"},
    ]
    # Without a space (or an unknown one): the owner.
    assert accounts.call("host_recipients", owner["team_id"], None) == team[:1]
    assert accounts.call("host_recipients", owner["team_id"], 999_999) == team[:1]
    assert [r["email"] for r in accounts.call("host_recipients", other_team["team_id"], None)] == ["bob@garage.example"]
    assert accounts.call("host_recipients", 999_999, None) == []
    # Over the bus, as notifications calls it.
    with ServiceRpcProxy("identity", {"AMQP_URI": amqp_uri}, timeout=10) as identity:
        assert identity.host_recipients(owner["team_id"], space_id=space["id"]) == team


def test_school_staff_are_the_confirmed_heads_and_teachers_of_the_school(accounts: Accounts, amqp_uri: str) -> None:
    head = accounts.signup("principal@college.example", "Paule", "school_manager", school_uai=SCHOOL)
    teacher = accounts.signup("prof@college.example", "Théo", "teacher", school_uai=SCHOOL)
    accounts.call("decide_school_staff", {"user_id": head["id"], "role": "school_manager"}, teacher["id"], "confirm")
    accounts.signup("nouveau@college.example", "Nina", "teacher", confirm=False, school_uai=SCHOOL)
    # Confirmed address, but the head has not confirmed them as a teacher of the school yet.
    accounts.signup("pablo@college.example", "Pablo", "teacher", school_uai=SCHOOL)
    accounts.signup("zoe@example.fr", "Zoé", "student", school_uai=SCHOOL, grade="troisieme")
    accounts.signup("prof@lycee.example", "Léa", "teacher", school_uai=OTHER_SCHOOL)

    staff = accounts.call("school_staff", SCHOOL, None)

    assert staff == [
        {
            "user_id": head["id"],
            "email": "principal@college.example",
            "first_name": "Paule",
            "last_name": "Test",
            "role": "school_manager",
        },
        {
            "user_id": teacher["id"],
            "email": "prof@college.example",
            "first_name": "Théo",
            "last_name": "Test",
            "role": "teacher",
        },
    ]
    assert accounts.call("school_staff", SCHOOL.lower(), ["school_manager"]) == staff[:1]
    assert accounts.call("school_staff", SCHOOL, ["teacher"]) == staff[1:]
    assert accounts.call("school_staff", "0000001B", None) == []
    with ServiceRpcProxy("identity", {"AMQP_URI": amqp_uri}, timeout=10) as identity:
        assert identity.school_staff(SCHOOL, roles=["school_manager", "teacher"]) == staff
        # Pupils are not staff: asking for them is a mistake of the caller.
        with pytest.raises(DomainError) as refused:
            identity.school_staff(SCHOOL, roles=["student"])
    assert refused.value.code == "VALIDATION_ERROR"
    assert list(refused.value.fields or {}) == ["roles"]
