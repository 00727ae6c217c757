"""What ``config.nameko_config`` gives each process from the environment."""

from __future__ import annotations

import pytest

from services.common.config import PROCESSES, nameko_config

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("process", PROCESSES)
def test_rpc_timeout_reaches_every_process(process: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``TimedRpcProxy`` reads ``RPC_TIMEOUT`` from the container's config: the README's
    setting must get there (it did not, and the gateway always waited 10 s)."""
    monkeypatch.setenv("RPC_TIMEOUT", "2.5")
    assert nameko_config(process)["RPC_TIMEOUT"] == 2.5
    monkeypatch.delenv("RPC_TIMEOUT")
    assert nameko_config(process)["RPC_TIMEOUT"] == 10.0
