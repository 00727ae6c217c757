"""Accounts under attack, through a real gateway (in this process, on loopback) in front of
identity and notifications on the real broker and database.

The gateway trusts ``X-Forwarded-For`` from loopback by default (``TRUSTED_PROXIES``): each
test speaks as clients of its own documentation addresses (RFC 5737) through that header, as
a proxy would, so that the limits by client address of one test never reach another.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.web_session import DEVICE_COOKIE
from services.common import config
from services.common.database import utcnow
from services.identity import rate_limits, rules
from services.identity.models import AuthSession, LoginFailure, User
from services.identity.service import IdentityService
from services.notifications.service import NotificationsService
from tests.support.databases import DatabaseSet
from tests.support.mailbox import text_of, token_in, wait_for_mail, wait_for_mail_containing
from tests.support.page_session import PageSession

pytestmark = pytest.mark.integration

PASSWORD = "un-mot-de-passe-solide"
REVOCATION_DEADLINE = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.fr"


class Platform:
    """Identity, notifications and two gateways (to see revocations reach another gateway)."""

    def __init__(self, urls: list[str], state_dir: Path, databases: DatabaseSet) -> None:
        self.url, self.other_url = urls
        self.state_dir = state_dir
        self.databases = databases

    def db(self) -> Session:
        return Session(self.databases.engine("identity"))

    def post(self, path: str, body: dict[str, Any], client: str, **options: Any) -> requests.Response:
        headers = {"X-Forwarded-For": client, **options.pop("headers", {})}
        return requests.post(f"{self.url}{path}", json=body, headers=headers, timeout=15, **options)

    def account(self, email: str, client: str = "192.0.2.1") -> str:
        """Sign up and confirm ``email``; its confirmed account's password is PASSWORD."""
        created = self.post("/api/v1/auth/signup", self.signup_body(email), client)
        assert created.status_code == 201, created.text
        [mail] = wait_for_mail(self.state_dir, email)
        assert self.post("/api/v1/auth/confirm", {"token": token_in(mail)}, client).status_code == 200
        return email

    @staticmethod
    def signup_body(email: str, **fields: Any) -> dict[str, Any]:
        return {
            "email": email,
            "password": PASSWORD,
            "first_name": "Camille",
            "last_name": "Petit",
            "role": "employer",
            **fields,
        }

    def failures_before_the_last(self, email: str) -> None:
        """Record all the wrong passwords that lock an account but the last one, as identity
        records them (each through the gateway would spend the test's time in Argon2)."""
        with self.db() as db, db.begin():
            db.add_all(LoginFailure(email=email, failed_at=utcnow()) for _ in range(rules.LOGIN_MAX_FAILURES - 1))

    def login(self, email: str, client: str, password: str = PASSWORD, **options: Any) -> requests.Response:
        return self.post("/api/v1/auth/login", {"email": email, "password": password}, client, **options)


@pytest.fixture
def platform(start_service: Callable[..., Any], env: dict[str, str], databases: DatabaseSet) -> Iterator[Platform]:
    from gateway.service import GatewayService

    start_service(IdentityService)
    start_service(NotificationsService)
    urls = []
    for _ in range(2):
        port = free_port()
        start_service(GatewayService, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
        urls.append(f"http://127.0.0.1:{port}")
    config.trusted_proxies.cache_clear()
    yield Platform(urls, Path(env["STATE_DIR"]), databases)
    config.trusted_proxies.cache_clear()


def assert_rate_limited(answer: requests.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.json()["code"] == "RATE_LIMITED"
    assert "Trop de" in answer.json()["message"]


# -- password reset links ----------------------------------------------------------------------


def test_an_older_reset_link_stops_working_once_a_newer_one_is_issued_or_used(platform: Platform) -> None:
    email = platform.account(new_email("liens"))
    for _ in range(2):
        assert platform.post("/api/v1/auth/password-reset", {"email": email}, "192.0.2.2").status_code == 202
    first, second = wait_for_mail(platform.state_dir, email, count=3)[1:]

    older = platform.post(
        "/api/v1/auth/password-reset/confirm", {"token": token_in(first), "password": "un-autre-secret-1"}, "192.0.2.2"
    )
    assert older.status_code == 422, older.text
    assert older.json()["fields"]["token"] == ["Ce lien est invalide ou a déjà été utilisé."]

    # A third link, then the second (still the newest but one) is refused once the third served.
    assert platform.post("/api/v1/auth/password-reset", {"email": email}, "192.0.2.2").status_code == 202
    third = wait_for_mail(platform.state_dir, email, count=4)[-1]
    used = platform.post(
        "/api/v1/auth/password-reset/confirm", {"token": token_in(third), "password": "un-autre-secret-3"}, "192.0.2.2"
    )
    assert used.status_code == 200, used.text
    late = platform.post(
        "/api/v1/auth/password-reset/confirm", {"token": token_in(second), "password": "un-autre-secret-2"}, "192.0.2.2"
    )
    assert late.status_code == 422
    assert platform.login(email, "192.0.2.2", "un-autre-secret-3").status_code == 200


# -- sign-up tells nobody who has an account -----------------------------------------------------


def test_signing_up_with_a_taken_address_answers_as_a_new_one_and_emails_its_owner(platform: Platform) -> None:
    email = platform.account(new_email("titulaire"))
    fresh = platform.post("/api/v1/auth/signup", platform.signup_body(new_email("nouveau")), "192.0.2.3")
    again = platform.post("/api/v1/auth/signup", platform.signup_body(email.upper()), "192.0.2.3")
    assert (fresh.status_code, again.status_code) == (201, 201), again.text
    assert set(again.json()) == set(fresh.json())
    assert again.json()["email"] == email
    assert again.json()["email_confirmed"] is False
    assert isinstance(again.json()["id"], int) and isinstance(again.json()["team_id"], int)

    warning = wait_for_mail_containing(platform.state_dir, email, "Quelqu'un a tenté de créer un compte")
    text = text_of(warning)
    assert "http://e1s.test/connexion" in text
    assert "http://e1s.test/mot-de-passe-oublie" in text
    with platform.db() as db:
        assert db.scalar(select(func.count()).select_from(User).where(User.email == email)) == 1
    # The owner's password is unchanged by the attempt.
    assert platform.login(email, "192.0.2.3").status_code == 200


# -- rate limits of the routes open to anyone ----------------------------------------------------


BY_EMAIL = {
    "/api/v1/auth/signup": rules.SIGNUP_PER_EMAIL,
    "/api/v1/auth/password-reset": rules.RESET_PER_EMAIL,
    "/api/v1/auth/confirm/resend": rules.RESEND_PER_EMAIL,
}
BY_ADDRESS = {
    "/api/v1/auth/password-reset": rules.RESET_PER_ADDRESS,
    "/api/v1/auth/confirm/resend": rules.RESEND_PER_ADDRESS,
}


def body_for(path: str, email: str) -> dict[str, Any]:
    return Platform.signup_body(email) if path.endswith("signup") else {"email": email}


def test_open_routes_are_limited_by_email_address(platform: Platform) -> None:
    for path, limit in BY_EMAIL.items():
        email = new_email("inondation")
        for number in range(limit.limit):
            # Each from another client: the limit by address plays no part.
            answer = platform.post(path, body_for(path, email), f"198.51.100.{number + 1}")
            assert answer.status_code in (201, 202), answer.text
        assert_rate_limited(platform.post(path, body_for(path, email), "198.51.100.99"))
        # The same address in capitals is the same; another address is not held back.
        assert_rate_limited(platform.post(path, body_for(path, email.upper()), "198.51.100.98"))
        assert platform.post(path, body_for(path, new_email("autre")), "198.51.100.97").status_code in (201, 202)
        if path.endswith("signup"):
            # Sign-ups of a taken address email its owner: bounded by the same limit.
            assert len(wait_for_mail(platform.state_dir, email, count=limit.limit)) == limit.limit


def test_open_routes_are_limited_by_client_address(platform: Platform) -> None:
    for number, (path, limit) in enumerate(BY_ADDRESS.items()):
        client = f"203.0.113.{number + 1}"
        for _ in range(limit.limit):
            assert platform.post(path, {"email": new_email("balayage")}, client).status_code == 202
        assert_rate_limited(platform.post(path, {"email": new_email("balayage")}, client))
        assert platform.post(path, {"email": new_email("voisin")}, "203.0.113.200").status_code == 202


def test_sign_up_is_limited_by_client_address(platform: Platform) -> None:
    # The counter is the one sign-ups fill; filled here directly, a hundred sign-ups would
    # spend the test's time hashing passwords.
    with platform.db() as db, db.begin():
        for _ in range(rules.SIGNUP_PER_ADDRESS.limit):
            rate_limits.count(db, rules.SIGNUP_PER_ADDRESS, "203.0.113.20", utcnow())
    body = platform.signup_body(new_email("classe"))
    assert_rate_limited(platform.post("/api/v1/auth/signup", body, "203.0.113.20"))
    assert platform.post("/api/v1/auth/signup", body, "203.0.113.21").status_code == 201


def test_guessing_emailed_tokens_is_limited_by_client_address(platform: Platform) -> None:
    email = platform.account(new_email("jeton"))
    assert platform.post("/api/v1/auth/password-reset", {"email": email}, "192.0.2.60").status_code == 202
    reset = wait_for_mail_containing(platform.state_dir, email, "nouveau-mot-de-passe")
    with platform.db() as db, db.begin():
        for _ in range(rules.TOKEN_FAILURES_PER_ADDRESS.limit - 1):
            rate_limits.count(db, rules.TOKEN_FAILURES_PER_ADDRESS, "203.0.113.90", utcnow())
    # The limit's last guess comes through the gateway: a refused token is counted there.
    guess = platform.post("/api/v1/auth/confirm", {"token": "x" * 43}, "203.0.113.90")
    assert guess.status_code == 422
    body = {"token": token_in(reset), "password": "tout-nouveau-secret"}
    assert_rate_limited(platform.post("/api/v1/auth/password-reset/confirm", body, "203.0.113.90"))
    assert_rate_limited(platform.post("/api/v1/auth/confirm", {"token": "y" * 43}, "203.0.113.90"))
    # The link still works for its owner, from their own address.
    assert platform.post("/api/v1/auth/password-reset/confirm", body, "192.0.2.60").status_code == 200


# -- login throttling that nobody can turn against the owner -------------------------------------


def test_a_locked_account_still_lets_in_its_known_device_and_after_a_reset(platform: Platform) -> None:
    email = platform.account(new_email("victime"))
    first = platform.login(email, "192.0.2.10")
    assert first.status_code == 200
    device = first.cookies.get(DEVICE_COOKIE)
    assert device and device.startswith(f"{first.json()['user']['id']}.")
    assert "token" in first.json() and "device" not in first.json()

    platform.failures_before_the_last(email)
    assert platform.login(email, "203.0.113.50", "mauvais-mot-de-passe").status_code == 401
    # Whoever has no device of the account waits, even with the right password...
    assert_rate_limited(platform.login(email, "203.0.113.51"))
    # ... a forged or another account's device token does not help ...
    assert_rate_limited(platform.login(email, "203.0.113.51", cookies={DEVICE_COOKIE: "1.abc.def"}))
    # ... but the owner's device logs in, from wherever it is.
    mine = platform.login(email, "192.0.2.11", cookies={DEVICE_COOKIE: device})
    assert mine.status_code == 200, mine.text
    assert mine.cookies.get(DEVICE_COOKIE) == device

    # The owner's success cleared the count; locked again.
    platform.failures_before_the_last(email)
    assert platform.login(email, "203.0.113.50", "mauvais-mot-de-passe").status_code == 401
    assert_rate_limited(platform.login(email, "192.0.2.12"))
    # A new device gets in after a password reset.
    assert platform.post("/api/v1/auth/password-reset", {"email": email}, "192.0.2.12").status_code == 202
    reset = wait_for_mail_containing(platform.state_dir, email, "nouveau-mot-de-passe")
    changed = platform.post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token_in(reset), "password": "tout-nouveau-secret"},
        "192.0.2.12",
    )
    assert changed.status_code == 200
    assert platform.login(email, "192.0.2.12", "tout-nouveau-secret").status_code == 200


def test_the_login_page_remembers_the_device_so_a_locked_account_still_logs_in_there(platform: Platform) -> None:
    email = platform.account(new_email("navigateur"))
    usual = PageSession(platform.url)
    usual.log_in(email, PASSWORD)
    assert usual.http.cookies.get(DEVICE_COOKIE)
    usual.log_out()

    platform.failures_before_the_last(email)
    assert platform.login(email, "203.0.113.80", "mauvais-mot-de-passe").status_code == 401
    stranger = PageSession(platform.url)
    stranger.get("/connexion")
    refused = stranger.post_form("/connexion", {"email": email, "password": PASSWORD})
    assert "Trop de tentatives de connexion" in refused.text
    assert not stranger.logged_in
    usual.log_in(email, PASSWORD)
    assert usual.logged_in


def test_a_known_device_is_throttled_by_its_own_failures(platform: Platform) -> None:
    email = platform.account(new_email("appareil"))
    device = platform.login(email, "192.0.2.20").cookies[DEVICE_COOKIE]
    nonce = device.split(".")[1]
    with platform.db() as db, db.begin():
        for _ in range(rules.LOGIN_FAILURES_PER_DEVICE.limit - 1):
            rate_limits.count(db, rules.LOGIN_FAILURES_PER_DEVICE, nonce, utcnow())
    wrong = platform.login(email, "192.0.2.20", "mauvais-mot-de-passe", cookies={DEVICE_COOKIE: device})
    assert wrong.status_code == 401
    assert_rate_limited(platform.login(email, "192.0.2.20", cookies={DEVICE_COOKIE: device}))
    # The device's failures did not lock the account for a browser without that device token.
    assert platform.login(email, "192.0.2.21").status_code == 200


def test_a_client_address_trying_many_accounts_is_throttled(platform: Platform) -> None:
    email = platform.account(new_email("voisine"))
    device = platform.login(email, "192.0.2.30").cookies[DEVICE_COOKIE]
    with platform.db() as db, db.begin():
        for _ in range(rules.LOGIN_FAILURES_PER_ADDRESS.limit - 1):
            rate_limits.count(db, rules.LOGIN_FAILURES_PER_ADDRESS, "203.0.113.60", utcnow())
    # The limit's last failure comes through the gateway: the address is counted there.
    assert platform.login(new_email("inconnu"), "203.0.113.60", "mauvais-mot-de-passe").status_code == 401
    assert_rate_limited(platform.login(email, "203.0.113.60"))
    assert platform.login(email, "203.0.113.60", cookies={DEVICE_COOKIE: device}).status_code == 200
    assert platform.login(email, "203.0.113.61").status_code == 200


def test_login_and_reset_say_the_same_for_a_known_and_an_unknown_address(platform: Platform) -> None:
    email = platform.account(new_email("connu"))
    unknown = new_email("inconnu")
    answers = [platform.login(address, "192.0.2.40", "mauvais-mot-de-passe") for address in (email, unknown)]
    assert [(a.status_code, a.json()) for a in answers] == [(answers[0].status_code, answers[0].json())] * 2
    resets = [platform.post("/api/v1/auth/password-reset", {"email": a}, "192.0.2.40") for a in (email, unknown)]
    assert [(r.status_code, r.json()) for r in resets] == [(202, resets[0].json())] * 2


# -- the client address ---------------------------------------------------------------------------


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = platform.account(new_email("preuve"))
    trusted = platform.login(email, "198.51.100.77")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    config.trusted_proxies.cache_clear()
    forged = platform.login(email, "198.51.100.78")
    assert (trusted.status_code, forged.status_code) == (200, 200)
    with platform.db() as db:
        addresses = db.scalars(select(AuthSession.ip).order_by(AuthSession.created_at)).all()
    # The loopback peer was a trusted proxy, then it is not: the header it sent is ignored.
    assert addresses[-2:] == ["198.51.100.77", "127.0.0.1"]


# -- /metrics ---------------------------------------------------------------------------------------


@pytest.fixture
def lone_gateway(start_service: Callable[..., Any]) -> Iterator[str]:
    """A gateway without services: /metrics asks none."""
    from gateway.service import GatewayService

    port = free_port()
    start_service(GatewayService, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
    config.trusted_proxies.cache_clear()
    yield f"http://127.0.0.1:{port}"
    config.trusted_proxies.cache_clear()


def test_metrics_need_the_token_or_a_local_client(lone_gateway: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{lone_gateway}/metrics"
    assert requests.get(url, timeout=5).status_code == 200
    outside = requests.get(url, headers={"X-Forwarded-For": "203.0.113.70"}, timeout=5)
    assert outside.status_code == 403
    assert "METRICS_TOKEN" in outside.json()["message"]
    monkeypatch.setenv("METRICS_TOKEN", "un-jeton-de-metriques-assez-long")
    assert requests.get(url, timeout=5).status_code == 401
    wrong = requests.get(url, headers={"Authorization": "Bearer autre"}, timeout=5)
    assert wrong.status_code == 401
    scraped = requests.get(url, headers={"Authorization": "Bearer un-jeton-de-metriques-assez-long"}, timeout=5)
    assert scraped.status_code == 200
    assert "gateway_http_requests_total" in scraped.text


# -- sessions end everywhere within a second ---------------------------------------------------------


def refused_on_the_other_gateway(platform: Platform, token: str) -> float:
    """Seconds until the other gateway refuses ``token`` (it has loaded its revocation list
    before: only the ``session_revoked`` event can tell it)."""
    started = time.monotonic()
    while time.monotonic() - started < 5:
        answer = requests.get(
            f"{platform.other_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        if answer.status_code == 401:
            assert answer.json()["code"] == "SESSION_REVOKED"
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("the other gateway still accepts the token after 5 s")


def logged_in_everywhere(platform: Platform, email: str) -> str:
    token = platform.login(email, "192.0.2.50").json()["token"]
    for url in (platform.url, platform.other_url):
        assert requests.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=5).ok
    return token


def test_a_token_is_refused_everywhere_within_a_second_after_logout(platform: Platform) -> None:
    token = logged_in_everywhere(platform, platform.account(new_email("sortie")))
    out = requests.post(f"{platform.url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert out.status_code == 204
    assert refused_on_the_other_gateway(platform, token) <= REVOCATION_DEADLINE


def test_a_token_is_refused_everywhere_within_a_second_after_a_password_change(platform: Platform) -> None:
    email = platform.account(new_email("changement"))
    token = logged_in_everywhere(platform, email)
    assert platform.post("/api/v1/auth/password-reset", {"email": email}, "192.0.2.50").status_code == 202
    reset = wait_for_mail_containing(platform.state_dir, email, "nouveau-mot-de-passe")
    changed = platform.post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token_in(reset), "password": "tout-nouveau-secret"},
        "192.0.2.50",
    )
    assert changed.status_code == 200
    assert refused_on_the_other_gateway(platform, token) <= REVOCATION_DEADLINE


def test_a_token_is_refused_everywhere_within_a_second_after_leaving_a_team(platform: Platform) -> None:
    owner = logged_in_everywhere(platform, platform.account(new_email("proprietaire")))
    member_email = platform.account(new_email("membre"))
    member = logged_in_everywhere(platform, member_email)
    invited = requests.post(
        f"{platform.url}/api/v1/team/invitations",
        json={"email": member_email},
        headers={"Authorization": f"Bearer {owner}"},
        timeout=5,
    )
    assert invited.status_code == 201, invited.text
    invitation = wait_for_mail_containing(platform.state_dir, member_email, "rejoindre-une-equipe")
    joined = requests.post(
        f"{platform.url}/api/v1/team/invitations/accept",
        json={"token": token_in(invitation)},
        headers={"Authorization": f"Bearer {member}"},
        timeout=5,
    )
    assert joined.status_code == 200, joined.text
    in_team = joined.json()["token"]
    me = requests.get(f"{platform.other_url}/api/v1/me", headers={"Authorization": f"Bearer {in_team}"}, timeout=5)
    assert me.status_code == 200
    left = requests.delete(
        f"{platform.url}/api/v1/team/members/{me.json()['id']}",
        headers={"Authorization": f"Bearer {in_team}"},
        timeout=5,
    )
    assert left.status_code == 204, left.text
    assert refused_on_the_other_gateway(platform, in_team) <= REVOCATION_DEADLINE
