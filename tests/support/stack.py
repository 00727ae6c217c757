"""The whole platform as separate processes, for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from deploy.processes import ProcessGroup
from services.common import broker
from services.common.config import SERVICES
from tests.support.databases import DatabaseSet


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack(ProcessGroup):
    """A platform on a free port, its state in ``state_dir``; ``url`` is its gateway."""

    def __init__(self, env: dict[str, str], state_dir: Path) -> None:
        port = free_port()
        self.state_dir = state_dir
        self.url = f"http://127.0.0.1:{port}"
        full_env = {**os.environ, **env, "STATE_DIR": str(state_dir), "GATEWAY_PORT": str(port), "PUBLIC_URL": self.url}
        super().__init__(full_env, state_dir / "logs", port)


def through(url: str, port: int) -> str:
    """``url`` on ``port`` of 127.0.0.1 instead of its server's."""
    return sa.engine.make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


@contextmanager
def private_stack(
    amqp_uri: str, folder: Path, label: str, env: dict[str, str] | None = None, database_port: int | None = None
) -> Iterator[Stack]:
    """A started platform on a vhost and databases of its own (``TEST_DATABASE``'s kind), with
    ``env`` on top of the test settings; all of it gone afterwards. With ``database_port``, its
    processes reach their PostgreSQL databases on that port of 127.0.0.1 (a ``TcpProxy``'s)."""
    uri = broker.with_vhost(amqp_uri, f"e1s-{label}-{uuid.uuid4().hex[:8]}")
    broker.ensure_vhost(uri)
    dbs = DatabaseSet.create(os.environ.get("TEST_DATABASE", "sqlite"), label, SERVICES, folder)
    urls = dbs.env()
    if database_port is not None:
        urls = {name: through(url, database_port) for name, url in urls.items()}
    # No address index unless ``env`` asks for it (the session's platform does): building it is
    # ~4 s of a core and ~470 MB, for platforms whose tests look no address up.
    full_env = {"AMQP_URI": uri, "MIGRATE_ON_START": "0", "ADDRESS_INDEX_WARM_UP": "0", **(env or {}), **urls}
    full_env.pop("SECRET_KEY", None)
    running = Stack(full_env, folder / "state")
    try:
        running.start()
        # Generous: on a loaded 2-core CI machine, importing weasyprint and the rest takes most of a minute.
        running.wait_ready(150)
        yield running
    finally:
        running.stop()
        dbs.drop()
        broker.delete_vhost(uri)
