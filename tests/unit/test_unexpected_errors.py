"""A service's database out of reach is answered 503 with Retry-After, any other unexpected
error 500: from the exception nameko hands the gateway (``gateway.unexpected_errors``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from nameko.exceptions import RemoteError, deserialize, serialize

from gateway.error_statuses import status_of
from gateway.routing import error_response
from gateway.unexpected_errors import database_unreachable, unexpected_error
from services.common.errors import SERVICE_UNAVAILABLE_RETRY_SECONDS

pytestmark = pytest.mark.unit

# Nothing listens on port 1 here: the connection is refused at once.
UNREACHABLE = "postgresql+psycopg2://nobody@127.0.0.1:1/nothing"


def as_received(error: Exception) -> Exception:
    """``error`` as the gateway receives it from a service's RPC method (nameko's wire format)."""
    return deserialize(serialize(error))


def database_error() -> sa.exc.DBAPIError:
    """What a service's query raises when its PostgreSQL server cannot be reached."""
    engine = sa.create_engine(UNREACHABLE, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("a server answered on port 1")


def test_an_unreachable_database_inside_a_service_is_a_503_with_retry_after():
    received = as_received(database_error())
    assert isinstance(received, RemoteError) and received.exc_type == "OperationalError"

    answer = unexpected_error(received, "POST /api/v1/auth/signup", "req-1", "Erreur inattendue.")

    assert (answer.code, status_of(answer), answer.retry_after) == (
        "SERVICE_UNAVAILABLE",
        503,
        SERVICE_UNAVAILABLE_RETRY_SECONDS,
    )
    response = error_response(answer)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(SERVICE_UNAVAILABLE_RETRY_SECONDS)
    assert "base de données" in response.get_json()["message"]


@pytest.mark.parametrize(
    "error",
    [
        sa.exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
        sa.exc.DisconnectionError("Connection invalidated"),
        sa.exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached, connection timed out"),
        # A service passing on what it received from another one it called, over one hop or two.
        RemoteError("OperationalError", "(psycopg2.OperationalError) server closed the connection"),
        as_received(RemoteError("OperationalError", "(psycopg2.OperationalError) server closed the connection")),
    ],
    ids=["interface", "disconnection", "pool timeout", "passed on", "passed on twice"],
)
def test_every_kind_of_lost_database_connection_is_unreachable(error: Exception):
    received = as_received(error)
    assert database_unreachable(received)
    assert status_of(unexpected_error(received, "GET /api/v1/me", "req-3", "Erreur inattendue.")) == 503


@pytest.mark.parametrize(
    "error",
    [
        as_received(KeyError("offer_id")),
        as_received(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key value"))),
        as_received(RemoteError("ValueError", "OperationalError named in a message")),
        # The gateway's own code holds no database: such an error there is a bug.
        sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        ValueError("OperationalError"),
    ],
    ids=["bug", "constraint", "passed-on bug", "local, not remote", "plain"],
)
def test_any_other_unexpected_error_is_a_500(error: Exception, caplog: pytest.LogCaptureFixture):
    assert not database_unreachable(error)

    answer = unexpected_error(error, "page /offres", "req-2", "Une erreur inattendue s'est produite.")

    assert (answer.code, status_of(answer), answer.retry_after) == ("INTERNAL_ERROR", 500, None)
    assert answer.message == "Une erreur inattendue s'est produite."
    assert "unexpected error on page /offres" in caplog.text  # with its traceback, for the operator
    assert "Retry-After" not in error_response(answer).headers
