"""The gateway answers 503 at once for a service none of whose processes runs, and waits its
deadline (``RPC_TIMEOUT``, from the environment as ``config.nameko_config`` passes it) for one
that dies with a call in flight. Real broker, real identity, real gateway."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import eventlet
import pytest
import requests
from nameko.rpc import rpc

from services.common import config
from services.common.rpc import CONSUMERS_TTL
from services.identity.service import IdentityService
from tests.support.stack import free_port

pytestmark = pytest.mark.integration

LOGIN = {"email": "personne@example.fr", "password": "un-mot-de-passe-solide"}
DEADLINE = 2.0


class StalledIdentity:
    """Stands for an identity process that stops answering with a login in flight."""

    name = "identity"
    started = eventlet.Event()

    @rpc
    def login(self, *args: Any, **kwargs: Any) -> None:
        if not self.started.ready():
            self.started.send()
        eventlet.sleep(60)


@pytest.fixture
def gateway(start_service: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A gateway configured from the environment (``RPC_TIMEOUT``); the test starts identity."""
    from gateway.service import GatewayService

    monkeypatch.setenv("RPC_TIMEOUT", str(DEADLINE))
    port = free_port()
    start_service(
        GatewayService,
        WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
        RPC_TIMEOUT=config.nameko_config("gateway")["RPC_TIMEOUT"],
    )
    yield f"http://127.0.0.1:{port}"


def login(url: str) -> tuple[requests.Response, float]:
    started = time.monotonic()
    answer = requests.post(f"{url}/api/v1/auth/login", json=LOGIN, timeout=DEADLINE + 10)
    return answer, time.monotonic() - started


def test_a_service_with_no_process_answers_503_at_once(gateway, start_service):
    url = gateway
    identity = start_service(IdentityService)
    assert login(url)[0].status_code == 401  # identity answers: it has a consumer

    identity.kill()  # as kill -9 leaves it: the queue stays, without a consumer
    time.sleep(CONSUMERS_TTL)  # the broker's previous answer is trusted this long
    answers = [login(url) for _ in range(5)]
    for answer, elapsed in answers:
        assert (answer.status_code, answer.json()["code"]) == (503, "SERVICE_UNAVAILABLE")
        assert int(answer.headers["Retry-After"]) > 0
        assert elapsed < 0.5, f"503 after {elapsed:.2f} s"
    print(f"\n503 without identity: {', '.join(f'{elapsed * 1000:.0f} ms' for _, elapsed in answers)}")

    start_service(IdentityService)
    deadline = time.monotonic() + 10
    while (status := login(url)[0].status_code) == 503 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status == 401  # back within about a second of its return


def test_a_service_that_dies_with_a_call_in_flight_answers_at_the_deadline(gateway, start_service):
    url = gateway
    StalledIdentity.started = eventlet.Event()
    stalled = start_service(StalledIdentity)
    pending = eventlet.spawn(login, url)
    StalledIdentity.started.wait()
    stalled.kill()

    answer, elapsed = pending.wait()
    assert (answer.status_code, answer.json()["code"]) == (503, "SERVICE_UNAVAILABLE")
    # The call was sent while identity ran: it waits for the deadline, no longer.
    assert DEADLINE - 0.2 <= elapsed < DEADLINE + 2.0, f"503 after {elapsed:.2f} s"
