"""The partner API v2 through the gateway, as an existing partner client calls it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.mailbox import token_in, wait_for_mail

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = "api-v2-samples"
# The national platform's bodies, as its documentation's samples show them.
WRONG_API_TOKEN = {"code": "UNAUTHORIZED", "error": "wrong api token"}
TOO_MANY_REQUESTS = {"error": "Trop de requêtes - Limite d'utilisation de l'API dépassée."}


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}@example.fr"


def create_operator(stack, email: str, name: str) -> str:
    """Run the command against the stack's identity database; returns the password."""
    done = subprocess.run(
        [sys.executable, "-m", "services.identity.create_operator", email, name],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def v2_login(stack, email: str, password: str) -> requests.Response:
    return requests.post(f"{stack.url}/api/v2/auth/login", json={"email": email, "password": password}, timeout=10)


def operator_token(stack, name: str) -> str:
    email = unique_email("operateur")
    answer = v2_login(stack, email, create_operator(stack, email, name))
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def sectors(stack, token: str | None, session: Any = requests) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return session.get(f"{stack.url}/api/v2/sectors", headers=headers, timeout=10)


@pytest.fixture(scope="module")
def token(stack) -> str:
    return operator_token(stack, "JobIRL")


@pytest.fixture(scope="module")
def exhausted(stack) -> dict[str, Any]:
    """A fresh operator makes 101 calls within one minute; its answers, in order."""
    email = unique_email("presse")
    password = create_operator(stack, email, "Partenaire pressé")
    # The limit counts per minute of the clock: start early enough in one.
    left = 60 - time.time() % 60
    if left < 15:
        time.sleep(left + 0.1)
    token = v2_login(stack, email, password).json()["token"]
    with requests.Session() as session:
        answers = [sectors(stack, token, session) for _ in range(101)]
    # Logging in is not counted: it still works once the minute's calls are spent.
    login_after = v2_login(stack, email, password)
    return {"token": token, "answers": answers, "login_after": login_after}


def test_an_operator_logs_in_and_lists_the_sectors(stack, token):
    assert token.count(".") == 2
    answer = sectors(stack, token)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert list(body) == ["sectors"]
    assert len(body["sectors"]) == 51
    for sector in body["sectors"]:
        assert list(sector) == ["id", "name", "external_url", "uuid"]
        assert (type(sector["id"]), type(sector["name"]), sector["external_url"]) == (int, str, "")
    assert [sector["uuid"] for sector in body["sectors"]] == [f"s{n}" for n in range(1, 52)]


def test_the_sectors_answer_matches_the_national_sample(stack, token, shared_data):
    sample = json.loads((shared_data / SAMPLES / "sectors/index/success.json").read_text(encoding="utf-8"))
    body = sectors(stack, token).json()
    assert body.keys() == sample.keys()
    assert len(body["sectors"]) == len(sample["sectors"])
    for ours, theirs in zip(body["sectors"], sample["sectors"], strict=True):
        assert list(ours) == list(theirs)
        assert {key: type(value) for key, value in ours.items()} == {key: type(value) for key, value in theirs.items()}
        assert ours == theirs


def test_anything_but_an_operator_token_is_a_wrong_api_token(stack):
    email = unique_email("employeur")
    signed_up = requests.post(
        f"{stack.url}/api/v1/auth/signup",
        json={
            "email": email,
            "password": "un-mot-de-passe-solide",
            "first_name": "Camille",
            "last_name": "Petit",
            "role": "employer",
        },
        timeout=10,
    )
    assert signed_up.status_code == 201, signed_up.text
    [mail] = wait_for_mail(stack.state_dir, email)
    assert requests.post(f"{stack.url}/api/v1/auth/confirm", json={"token": token_in(mail)}, timeout=10).ok
    v1 = requests.post(
        f"{stack.url}/api/v1/auth/login", json={"email": email, "password": "un-mot-de-passe-solide"}, timeout=10
    )
    assert v1.status_code == 200

    refused = v2_login(stack, email, "un-mot-de-passe-solide")
    assert (refused.status_code, refused.json()) == (
        401,
        {"code": "UNAUTHORIZED", "error": "Invalid email or password"},
    )

    for token in (None, "abc.def.ghi", v1.json()["token"]):
        answer = sectors(stack, token)
        assert (answer.status_code, answer.json()) == (401, WRONG_API_TOKEN)


def test_the_unauthorized_answer_matches_the_national_sample(stack, shared_data):
    sample = json.loads((shared_data / SAMPLES / "sectors/index/unauthorized.json").read_text(encoding="utf-8"))
    assert sectors(stack, None).json() == sample


def test_login_errors_in_the_v2_format(stack):
    operator_email = unique_email("operateur")
    create_operator(stack, operator_email, "Opérateur distrait")
    wrong = v2_login(stack, operator_email, "pas le bon mot de passe")
    assert (wrong.status_code, wrong.json()) == (401, {"code": "UNAUTHORIZED", "error": "Invalid email or password"})

    missing = requests.post(f"{stack.url}/api/v2/auth/login", json={"email": operator_email}, timeout=10)
    assert missing.status_code == 400
    assert missing.json()["code"] == "VALIDATION_ERROR"
    assert list(missing.json()["error"]) == ["password"]

    malformed = requests.post(
        f"{stack.url}/api/v2/auth/login", data="{pas du json", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert (malformed.status_code, malformed.json()["code"]) == (422, "BAD_PAYLOAD")

    unknown = requests.get(f"{stack.url}/api/v2/nothing-here", timeout=10)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert set(unknown.json()) == {"code", "error"}


def test_the_101st_call_in_a_minute_is_refused(stack, token, exhausted):
    answers = exhausted["answers"]
    assert [answer.status_code for answer in answers[:100]] == [200] * 100
    refused = answers[100]
    assert refused.status_code == 429
    assert refused.json() == TOO_MANY_REQUESTS
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert exhausted["login_after"].status_code == 200
    # counted per operator: another one still gets through
    assert sectors(stack, token).status_code == 200


def test_the_429_answer_matches_the_national_sample(exhausted, shared_data):
    sample_file = shared_data / SAMPLES / "internship_offers/search/too_many_requests.json"
    assert exhausted["answers"][100].json() == json.loads(sample_file.read_text(encoding="utf-8"))


def test_the_v2_routes_are_documented_with_their_error_format(stack):
    document = requests.get(f"{stack.url}/api/openapi.json", timeout=10).json()
    operation = document["paths"]["/api/v2/sectors"]["get"]
    assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PartnerErrorBody"
    }
    assert operation["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PartnerRateLimitBody"
    }
    assert "/api/v2/auth/login" in document["paths"]
