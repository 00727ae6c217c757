"""Typed errors that cross the bus intact and that the gateway maps to API.md's answers.

nameko serialises an exception raised by an RPC method into ``exc_path`` and ``exc_args``;
``deserialize_to_instance`` makes the caller re-raise the same class, so the gateway reads
``code`` and ``fields`` instead of parsing a message. An error says what went wrong, not how
HTTP answers it: the gateway maps each code to its status in one table
(``gateway/error_statuses.py``), so services know nothing of HTTP.
"""

from __future__ import annotations

from typing import Any

from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class DomainError(Exception):
    """An error a user can cause: a stable code, a French message, the wrong fields if any,
    and for a refusal in time the seconds after which to try again."""

    def __init__(
        self,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        retry_after: int | None = None,
    ) -> None:
        # nameko turns arguments that are not strings, lists or dicts into strings on the
        # wire: read them back here so the instance rebuilt by the caller is the same.
        fields = fields if isinstance(fields, dict) else None
        retry_after = int(retry_after) if retry_after not in (None, "None") else None
        super().__init__(code, message, fields, retry_after)
        self.code = code
        self.message = message
        self.fields = fields
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_body(self) -> dict[str, Any]:
        """The JSON body of API.md's v1 error format."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


# The start of the message of a validation error that gives none of its own.
DEFAULT_VALIDATION_MESSAGE = "Certains champs sont invalides : "


def validation_error(fields: dict[str, list[str]], message: str | None = None) -> DomainError:
    """``VALIDATION_ERROR`` naming each wrong field."""
    return DomainError(
        "VALIDATION_ERROR", message or DEFAULT_VALIDATION_MESSAGE + ", ".join(sorted(fields)) + ".", fields
    )


def not_found(message: str = "Ressource introuvable.") -> DomainError:
    return DomainError("NOT_FOUND", message)


def forbidden(message: str = "Action non autorisée.", code: str = "FORBIDDEN") -> DomainError:
    return DomainError(code, message)


def conflict(code: str, message: str) -> DomainError:
    return DomainError(code, message)


def unauthenticated(message: str = "Authentification requise.", code: str = "UNAUTHENTICATED") -> DomainError:
    return DomainError(code, message)


def rate_limited(retry_after: int, message: str) -> DomainError:
    return DomainError("RATE_LIMITED", message, retry_after=max(1, int(retry_after)))


SERVICE_UNAVAILABLE_RETRY_SECONDS = 2
"""The ``Retry-After`` of a 503: about the time the launcher takes to restart a dead process."""


def service_unavailable(service: str) -> DomainError:
    return DomainError(
        "SERVICE_UNAVAILABLE",
        f"Le service « {service} » ne répond pas. Réessayez dans quelques instants.",
        retry_after=SERVICE_UNAVAILABLE_RETRY_SECONDS,
    )
