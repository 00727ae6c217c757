"""The answer to an exception no route expected: a service's database out of reach is a 503
with ``Retry-After``, like a service that does not answer; anything else a 500.

A service whose database is unreachable (stopped, restarting, failing over, cut off by the
network) raises SQLAlchemy's ``OperationalError`` or ``InterfaceError`` from inside its RPC
method; nameko hands it to the gateway as a ``RemoteError`` naming only the exception's class.
That is not a bug the caller can do nothing about but an outage that passes: the client is
told to come back (``service_unavailable``), as for a dead process. The API's routes
(``gateway.routing``) and the pages (``gateway.page_routing``) both answer through
``unexpected_error``.
"""

from __future__ import annotations

import logging

from nameko.exceptions import RemoteError

from services.common.errors import DomainError, service_unavailable

_log = logging.getLogger(__name__)

DATABASE_UNREACHABLE = frozenset({"OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError"})
"""Class names (all nameko keeps of a remote exception) of what a database driver or pool
raises when the server cannot be reached or lost the connection: SQLAlchemy's wrappers of the
DBAPI's errors, its pool's ``DisconnectionError`` and ``TimeoutError`` (no connection free in
time, as when every one waits on a server that does not answer). The same names raised by the
broker's client (kombu's ``OperationalError``) or a socket (``TimeoutError``) are outages that
pass too."""

DATABASE = "base de données"
"""The name the 503's message gives: which service's database failed, nameko does not say."""


def database_unreachable(error: BaseException) -> bool:
    """Whether ``error`` is a service's database (or its connection) not answering."""
    if not isinstance(error, RemoteError):
        return False
    kind, rest = error.exc_type, str(error.value)
    while kind == "RemoteError":
        # A service passing on the error of another that it called: nameko made its value
        # "<class name> <message>" (``RemoteError.__init__``), once per service it went through.
        kind, _, rest = rest.partition(" ")
    return kind in DATABASE_UNREACHABLE


def unexpected_error(error: Exception, where: str, request_id: str, message: str) -> DomainError:
    """The domain error to answer ``error`` with, logged: ``SERVICE_UNAVAILABLE`` (503 with
    ``Retry-After``) when a database did not answer, else ``INTERNAL_ERROR`` with ``message``
    and the traceback in the log."""
    if database_unreachable(error):
        _log.warning("database unreachable on %s: %s", where, error, extra={"request_id": request_id})
        return service_unavailable(DATABASE)
    _log.error("unexpected error on %s", where, exc_info=error, extra={"request_id": request_id})
    return DomainError("INTERNAL_ERROR", message)
