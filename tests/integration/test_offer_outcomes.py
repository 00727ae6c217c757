"""What became of each of a team's offers' applications (``conventions.offer_outcomes``, the
host's statistics): received, accepted by the host, conventions signed by all.

identity, matching, offers and conventions run in real containers on the real broker and
database (SQLite or PostgreSQL).
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from gateway.error_statuses import status_of
from services.common.contracts.actors import Actor
from services.common.database import create_service_engine
from services.common.errors import DomainError
from services.conventions.models import Convention
from services.conventions.offer_outcomes import offer_outcomes
from tests.integration.test_application_counts import platform, published  # noqa: F401
from tests.support.conventions import actor, application_body, call, signup

pytestmark = pytest.mark.integration

NONE = {"applications": 0, "accepted": 0, "signed": 0}


def test_applications_accepted_and_signed_per_offer_of_the_team(platform, databases):  # noqa: F811
    identity, offers, conventions = platform
    host, other_host = signup(identity, "employer"), signup(identity, "employer")
    first, empty = published(offers, host), published(offers, host)
    foreign = published(offers, other_host)
    pupils = [signup(identity, "student") for _ in range(5)]

    def applied(pupil: dict, offer: dict) -> dict:
        return call(conventions, "apply", actor(pupil), offer["id"], application_body())

    def act(person: dict, application: dict, step: str) -> None:
        body = {"reason": "Plus de place."} if step == "reject" else {}
        call(conventions, "act_on_application", actor(person), application["id"], step, body)

    validated, approved, signed, rejected, waiting = (applied(pupil, first) for pupil in pupils)
    for application in (validated, approved, signed):
        act(host, application, "validate")
    for pupil, application in ((pupils[1], approved), (pupils[2], signed)):
        act(pupil, application, "approve")
    act(host, rejected, "reject")
    applied(pupils[0], foreign)
    # Signing by every party is another test's journey (test_conventions_service): here the
    # convention is put in the state it reaches.
    engine = create_service_engine(databases.urls["conventions"])
    with Session(engine) as session:
        session.execute(
            update(Convention).where(Convention.application_id == signed["id"]).values(status="signed_by_all")
        )
        session.commit()

    asked = [first["id"], empty["id"], foreign["id"]]
    outcomes = call(conventions, "offer_outcomes", actor(host), asked)
    assert outcomes == {
        # 5 received; accepted: the validated one and the two approved (one with a signed
        # convention); not the rejected nor the waiting one.
        str(first["id"]): {"applications": 5, "accepted": 3, "signed": 1},
        str(empty["id"]): NONE,
        str(foreign["id"]): NONE,  # another team's: nothing told
    }
    assert waiting["status"] == "submitted"
    assert call(conventions, "offer_outcomes", actor(other_host), [foreign["id"]]) == {
        str(foreign["id"]): {"applications": 1, "accepted": 0, "signed": 0}
    }
    assert call(conventions, "offer_outcomes", actor(host), []) == {}

    # Two grouped queries (applications, conventions), however many offers are asked.
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        assert offer_outcomes(session, Actor(**actor(host)), asked) == outcomes
    engine.dispose()
    assert [statement.count("GROUP BY") for statement in statements] == [1, 1]

    pupil = signup(identity, "student")
    with pytest.raises(DomainError) as refused:
        call(conventions, "offer_outcomes", actor(pupil), [first["id"]])
    assert status_of(refused.value) == 403
