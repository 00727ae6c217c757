"""The gateway's HTTP server: nameko's, with timeouts, so that slow or idle clients cannot hold
the workers that serve everyone else.

nameko's ``WebServer`` (as of 2.14) reads a request's headers in a green thread of its own,
then hands the request to a worker of the container's pool (``max_workers``), and the worker
reads the body when the route asks for it, with no timeout: twenty clients that send their
headers and never finish their body hold every worker, and ``/health`` waits behind them. Here:

- every read on a client's socket gives up after ``GATEWAY_SOCKET_TIMEOUT`` s without a byte
  (idle connections, headers sent a byte at a time), and a kept-alive connection waits at most
  ``GATEWAY_KEEPALIVE_TIMEOUT`` s for its next request;
- the body is read whole before a worker is taken, within ``GATEWAY_BODY_TIMEOUT`` s in all:
  a client too slow gets 408 and its connection is closed. Bodies over the routes' limit are
  left to them (413 from the declared length, never read).

Routes declare themselves with this module's ``http`` instead of ``nameko.web.handlers.http``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

import eventlet
from eventlet import wsgi
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer
from werkzeug.wrappers import Response

_log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body the gateway takes (``routing`` answers 413 beyond it): a drawn
signature (2 MB of PNG or JPEG) in base64 inside JSON, with room to spare."""
BUFFERED_BODY_LIMIT = MAX_BODY_BYTES + 1
"""Bodies declared longer are not read here (the routes answer 413 from the declared length);
an undeclared (chunked) one is read up to this and the route sees it is too long."""

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _seconds(name: str, default: float) -> float:
    value = float(os.environ.get(name, default))
    if value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds")
    return value


def socket_timeout() -> float:
    return _seconds("GATEWAY_SOCKET_TIMEOUT", 10.0)


def keepalive_timeout() -> float:
    return _seconds("GATEWAY_KEEPALIVE_TIMEOUT", 30.0)


def body_timeout() -> float:
    return _seconds("GATEWAY_BODY_TIMEOUT", 15.0)


def _too_slow() -> Response:
    body = {"code": "REQUEST_TIMEOUT", "message": "Le corps de la requête est arrivé trop lentement. Réessayez."}
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=408,
        content_type="application/json; charset=utf-8",
        headers={"Connection": "close"},
    )


class BufferedBody:
    """WSGI middleware: the request body read whole, within a deadline, before the application
    (and its worker pool) sees the request."""

    def __init__(self, app: WsgiApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = int(declared) if declared.isdigit() else None
        if (length is None and not chunked) or (length is not None and not 0 < length <= BUFFERED_BODY_LIMIT):
            return self.app(environ, start_response)
        stream = environ["wsgi.input"]
        try:
            with eventlet.Timeout(self.timeout):
                body = stream.read(length) if length is not None else stream.read(BUFFERED_BODY_LIMIT)
        except (eventlet.Timeout, OSError) as exc:
            _log.warning("request body of %s not received within %ss: %r", environ.get("PATH_INFO"), self.timeout, exc)
            self._stop_reading(environ)
            return _too_slow()(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    @staticmethod
    def _stop_reading(environ: dict[str, Any]) -> None:
        # eventlet would read the rest of the body to keep the connection: end it instead.
        sock = getattr(environ.get("eventlet.input"), "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)


class GuardedWebServer(WebServer):
    """nameko's web server with the socket, keep-alive and body timeouts above."""

    def get_wsgi_app(self) -> WsgiApp:
        return BufferedBody(super().get_wsgi_app(), body_timeout())

    def get_wsgi_server(
        self, sock: Any, wsgi_app: WsgiApp, protocol: type = HttpOnlyProtocol, debug: bool = False
    ) -> wsgi.Server:
        return wsgi.Server(
            sock,
            sock.getsockname(),
            wsgi_app,
            protocol=protocol,
            debug=debug,
            log=logging.getLogger("nameko.web.server"),
            socket_timeout=socket_timeout(),
            keepalive=keepalive_timeout(),
        )


class GuardedHttpRequestHandler(HttpRequestHandler):
    """``@http`` served by ``GuardedWebServer`` (every route of a service must use the same one)."""

    server = GuardedWebServer()


http = GuardedHttpRequestHandler.decorator
