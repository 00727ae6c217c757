"""A TCP proxy a test can cut: the platform's processes reach a server (PostgreSQL) through it,
and ``cut()`` makes that server unreachable to them as a network partition or a server restart
would, without touching the server itself (the test still reads it directly).

The proxy is a process of its own (``python -m tests.support.tcp_proxy HOST PORT``, driven by
``TcpProxy``): the test process is monkey-patched by eventlet, and a relay living in its hub
would stall the platform's every query whenever the test blocks. Commands come on its standard
input, one a line (``cut``, ``restore``), each acknowledged on its standard output once done;
the end of its input stops it.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICK = 0.1
"""Seconds between two looks of the accepting thread at the proxy's state."""
CHUNK = 65536


class Relay:
    """Listens on ``127.0.0.1`` (a free port) and relays each connection to ``target``, with a
    thread per direction; ``cut`` closes them all and stops listening, ``restore`` listens again
    on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener: socket.socket | None = self._listen(0)
        self.port = int(self._listener.getsockname()[1])
        self._up = True
        self._running = True
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept_loop, name="accept", daemon=True)
        self._acceptor.start()

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The port is taken again right after a cut, its closed connections still in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        listener.settimeout(TICK)
        return listener

    def cut(self) -> None:
        """Close the relayed connections, both ways, and refuse new ones (within ``TICK``)."""
        with self._lock:
            self._up = False
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for end in pair:
                _close(end)
        deadline = time.monotonic() + 5
        while self._listener is not None and time.monotonic() < deadline:
            time.sleep(TICK / 4)

    def restore(self) -> None:
        """Accept connections again, on the same port (within ``TICK``)."""
        with self._lock:
            self._up = True
        deadline = time.monotonic() + 5
        while self._listener is None and time.monotonic() < deadline:
            time.sleep(TICK / 4)

    def close(self) -> None:
        self._running = False
        self.cut()
        self._acceptor.join(5)

    def _accept_loop(self) -> None:
        # The only thread that opens or closes the listening socket: none is closed under an accept.
        while self._running:
            if not self._up and self._listener is not None:
                _close(self._listener)
                self._listener = None
            elif self._up and self._listener is None:
                self._listener = self._listen(self.port)
            if self._listener is None:
                time.sleep(TICK)
                continue
            try:
                client, _ = self._listener.accept()
            except OSError:  # a timeout: look at the state again
                continue
            self._relay(client)
        if self._listener is not None:
            _close(self._listener)
            self._listener = None

    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            _close(client)
            return
        with self._lock:
            if not self._up:  # cut while connecting: this one goes too
                _close(client)
                _close(server)
                return
            self._pairs.add((client, server))
        for end in (client, server):
            end.settimeout(None)
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, sink, (client, server)), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, pair: tuple[socket.socket, socket.socket]) -> None:
        with contextlib.suppress(OSError):  # closed by a cut or by the other end
            while data := source.recv(CHUNK):
                sink.sendall(data)
        with self._lock:
            self._pairs.discard(pair)
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    # shutdown first: it wakes a thread blocked in recv on the socket, which close does not.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def serve(host: str, port: int) -> None:
    """The proxy process: says ``listening PORT``, then obeys its standard input until its end."""
    relay = Relay((host, port))
    print(f"listening {relay.port}", flush=True)
    commands = {"cut": relay.cut, "restore": relay.restore}
    for line in sys.stdin:
        command = line.strip()
        commands[command]()
        print(command, flush=True)
    relay.close()


class TcpProxy:
    """The test's handle on a proxy process to ``host:port``; ``port`` is where it listens."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.tcp_proxy", host, str(port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        said = self._process.stdout.readline().split()
        if said[:1] != ["listening"]:
            self.close()
            raise RuntimeError(f"the TCP proxy did not start (it said {said!r})")
        self.port = int(said[1])

    def _command(self, command: str) -> None:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline().strip()
        if answer != command:
            raise RuntimeError(f"the TCP proxy answered {answer!r} to {command!r}")

    def cut(self) -> None:
        """Close every relayed connection and refuse new ones, once this returns."""
        self._command("cut")

    def restore(self) -> None:
        """Accept connections again, once this returns."""
        self._command("restore")

    def close(self) -> None:
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


@contextmanager
def tcp_proxy(host: str, port: int) -> Iterator[TcpProxy]:
    """A running proxy process to ``host:port``, stopped afterwards."""
    proxy = TcpProxy(host, port)
    try:
        yield proxy
    finally:
        proxy.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
