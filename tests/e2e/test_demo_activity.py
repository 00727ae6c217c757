"""The demo activity of ``make run``, through the gateway of a running platform: the demo
employer publishes, the demo pupil applies, a convention gets ready to sign; a second run
adds nothing."""

from __future__ import annotations

import pytest
import requests

from deploy import demo_activity
from services.identity import demo
from tests.support.schools import load_sample

pytestmark = pytest.mark.e2e


def login(stack, role: str) -> dict[str, str]:
    email = demo_activity.account(role)["email"]
    answer = requests.post(
        f"{stack.url}/api/v1/auth/login", json={"email": email, "password": demo.DEMO_PASSWORD}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def listed(stack, headers: dict[str, str], path: str, **params) -> list[dict]:
    answer = requests.get(f"{stack.url}{path}", headers=headers, params={"per_page": 100, **params}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def seen_by_employer(stack) -> tuple[list[dict], list[dict], list[dict]]:
    employer = login(stack, "employer")
    return (
        listed(stack, employer, "/api/v1/offers"),
        listed(stack, employer, "/api/v1/applications"),
        listed(stack, employer, "/api/v1/conventions", status="ready_to_sign"),
    )


def test_demo_activity_is_added_once_through_the_gateway(stack, monkeypatch):
    monkeypatch.setenv("DATABASE_URL_IDENTITY", stack.env["DATABASE_URL_IDENTITY"])
    monkeypatch.setenv("STATE_DIR", str(stack.state_dir))
    demo.load()
    load_sample(stack.env["DATABASE_URL_MATCHING"])
    lines: list[str] = []

    outcome = demo_activity.run(stack.url, stack.url, stack.state_dir, lines.append)

    assert outcome == demo_activity.Outcome(offers=3, applications=2, conventions=1), lines
    assert "WARNING" not in "\n".join(lines)
    assert f"{stack.url}/mon-espace/conventions" in lines[-1]
    offers, applications, ready = seen_by_employer(stack)
    assert len(offers) == 3 and {offer["status"] for offer in offers} == {"published"}
    assert len({offer["space_id"] for offer in offers}) == 2  # the demo school is a collège
    assert sorted(application["status"] for application in applications) == ["approved", "submitted"]
    [convention] = ready
    assert convention["school_uai"] == demo_activity.account("student")["school_uai"]
    assert convention["legal_representative_phone"] == "+33655443322"
    student_side = listed(stack, login(stack, "student"), "/api/v1/applications")
    assert len(student_side) == 2

    again = demo_activity.run(stack.url, stack.url, stack.state_dir, lines.append)

    assert again is None
    assert "already has offers" in lines[-1]
    after = seen_by_employer(stack)
    assert [len(items) for items in after] == [3, 2, 1]
