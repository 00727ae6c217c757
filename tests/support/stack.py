"""The whole platform as separate processes, for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from deploy.processes import ProcessGroup


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
