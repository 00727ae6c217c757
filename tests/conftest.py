"""Fixtures shared by the whole suite.

The suite runs against the real local RabbitMQ (one throw-away vhost per run) and a real
database chosen by ``TEST_DATABASE``: ``sqlite`` (default, files in a temporary folder) or
``postgresql`` (throw-away databases on ``TEST_POSTGRES_URL``, default the local server).
"""

from __future__ import annotations

import os
import warnings

# Set before any service module is imported, and inherited by the platforms the e2e tests start.
os.environ.setdefault("PASSWORD_HASHING", "fast")

with warnings.catch_warnings():
    # eventlet announces its own deprecation at import (see services/__init__.py)
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
    # cryptography 51 deprecates DSA, which dnspython (imported by eventlet) still registers
    warnings.filterwarnings("ignore", message=r"DSA is deprecated", category=Warning)
    import eventlet

eventlet.monkey_patch()

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.common import broker
from services.common.config import SERVICES
from tests.support.address_index import wait_for_address_index
from tests.support.databases import DatabaseSet
from tests.support.school_weeks import NoWeekLeft
from tests.support.stack import Stack, private_stack

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_report_header(config: Any) -> str:
    backend = os.environ.get("TEST_DATABASE", "sqlite")
    return f"database backend: {backend}; broker: {os.environ.get('TEST_AMQP_URI', broker.DEFAULT_TEST_BROKER)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """A test that needs more collège weeks than the platform still opens (late May and June) is
    skipped, saying so: the platform refuses those weeks then (tests/support/school_weeks.py)."""
    try:
        return (yield)
    except NoWeekLeft as missing:
        pytest.skip(str(missing))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """As in :func:`pytest_runtest_setup`, for the weeks a test body asks for."""
    try:
        return (yield)
    except NoWeekLeft as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def amqp_uri() -> Iterator[str]:
    """A fresh vhost on the real local broker, deleted at the end of the run."""
    base = os.environ.get("TEST_AMQP_URI", broker.DEFAULT_TEST_BROKER)
    if not broker.is_reachable(base):
        pytest.exit(f"RabbitMQ is not reachable at {base}: start it (rabbitmq-server -detached)", returncode=3)
    uri = broker.with_vhost(base, f"e1s-test-{uuid.uuid4().hex[:8]}")
    outcome = broker.ensure_vhost(uri)
    if "ready" not in outcome:
        pytest.exit(outcome, returncode=3)
    yield uri
    broker.delete_vhost(uri)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseSet]:
    """One migrated database per service for the whole run, emptied between tests."""
    backend = os.environ.get("TEST_DATABASE", "sqlite")
    dbs = DatabaseSet.create(backend, "it", SERVICES, tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop()


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, amqp_uri: str, databases: DatabaseSet
) -> Iterator[dict[str, str]]:
    """Environment of one test: its own STATE_DIR, the test vhost, empty service databases."""
    values = {
        "STATE_DIR": str(tmp_path / "state"),
        "AMQP_URI": amqp_uri,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "PUBLIC_URL": "http://e1s.test",
        "RPC_TIMEOUT": "5",
        # The gateways a test starts in-process look no address up: no index build (~4 s of a core) each.
        "ADDRESS_INDEX_WARM_UP": "0",
        **databases.env(),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in ("SMTP_URL", "SMS_PROVIDER_URL", "SMS_PROVIDER_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    databases.empty()
    yield values


@pytest.fixture
def nameko_config(env: dict[str, str]) -> dict[str, Any]:
    return {"AMQP_URI": env["AMQP_URI"], "RPC_TIMEOUT": 5.0, "max_workers": 10}


@pytest.fixture
def start_service(container_factory: Callable[..., Any], nameko_config: dict[str, Any]) -> Callable[..., Any]:
    """Start a service class in a real container on the test vhost; stopped after the test."""

    def start(service_cls: type, **overrides: Any) -> Any:
        container = container_factory(service_cls, {**nameko_config, **overrides})
        container.start()
        return container

    return start


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip with a message when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (the shared/ folder beside the checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    """One running platform (the six processes, as ``make run`` starts them) for the session's
    end-to-end and security tests, on its own vhost and databases."""
    # Its gateway warms the address index up (other private platforms do not): ``address_index`` waits for it.
    settings = {"RPC_TIMEOUT": "10", "ADDRESS_INDEX_WARM_UP": "1"}
    with private_stack(amqp_uri, tmp_path_factory.mktemp("e2e"), "e2e", settings) as running:
        yield running


@pytest.fixture(scope="session")
def address_index(stack: Stack) -> dict[str, Any]:
    """The session platform's offline address index, ready: tests that look addresses up ask for
    it (the gateway builds it in the background as it starts). Its build's log record."""
    return wait_for_address_index(stack)
