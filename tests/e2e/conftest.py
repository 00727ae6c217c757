"""One running platform per test session, on its own vhost and databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, private_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    with private_stack(amqp_uri, tmp_path_factory.mktemp("e2e"), "e2e", {"RPC_TIMEOUT": "10"}) as running:
        yield running
