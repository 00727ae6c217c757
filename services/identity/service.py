"""Identity: accounts, sessions, teams and spaces."""

from __future__ import annotations

from typing import Any, get_args

from eventlet import tpool
from nameko.rpc import rpc

from services.common.config import secret_key
from services.common.contracts.identity import (
    OPERATOR_ROLE,
    ConfirmRequest,
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    Role,
    SignupRequest,
)
from services.common.database import Database
from services.common.entrypoints import Pingable
from services.common.errors import DomainError
from services.common.rpc import TimedRpcProxy
from services.common.validation import parse
from services.identity import accounts, partner_calls, teams
from services.identity.models import OutboxMessage, ProcessedEvent

expected = (DomainError,)


class IdentityService(Pingable):
    name = "identity"

    db = Database("identity", OutboxMessage, ProcessedEvent)
    matching = TimedRpcProxy("matching")

    @rpc(expected_exceptions=expected)
    def signup(self, body: dict[str, Any]) -> dict[str, Any]:
        request = parse(SignupRequest, body)
        with self.db.transaction() as session:
            return accounts.signup(session, request, tpool.execute, school_exists=self.matching.school_exists)

    @rpc(expected_exceptions=expected)
    def confirm_email(self, body: dict[str, Any]) -> dict[str, Any]:
        request = parse(ConfirmRequest, body)
        with self.db.transaction() as session:
            return accounts.confirm_email(session, request.token)

    @rpc(expected_exceptions=expected)
    def login(self, body: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
        """Login of the v1 API: every role but operators, whose accounts serve the v2 API only."""
        return self._login(body, ip, roles=get_args(Role))

    @rpc(expected_exceptions=expected)
    def partner_login(self, body: dict[str, Any], ip: str | None = None) -> dict[str, str]:
        """Login of the partner API v2: operator accounts only; answers ``{token}``."""
        return {"token": self._login(body, ip, roles=(OPERATOR_ROLE,))["token"]}

    def _login(self, body: dict[str, Any], ip: str | None, roles: tuple[str, ...] | None = None) -> dict[str, Any]:
        request = parse(LoginRequest, body)
        # A refused login still records its failure: commit, then raise.
        failure: DomainError | None = None
        with self.db.transaction() as session:
            try:
                return accounts.login(
                    session, request.email, request.password, secret_key(), ip, tpool.execute, roles=roles
                )
            except DomainError as exc:
                failure = exc
        raise failure

    @rpc
    def count_partner_call(self, operator_id: int) -> int | None:
        """Count one call to the partner API v2: None within the limit (100 a minute per
        operator), else the seconds to wait. Shared by every gateway (see partner_calls)."""
        with self.db.transaction() as session:
            return partner_calls.count_call(session, operator_id)

    @rpc(expected_exceptions=expected)
    def logout(self, session_id: str) -> None:
        with self.db.transaction() as session:
            accounts.logout(session, session_id)

    @rpc
    def revoked_sessions(self) -> list[str]:
        with self.db.transaction() as session:
            return accounts.revoked_sessions(session)

    @rpc
    def is_session_active(self, session_id: str) -> bool:
        with self.db.transaction() as session:
            return accounts.is_session_active(session, session_id)

    @rpc(expected_exceptions=expected)
    def request_password_reset(self, body: dict[str, Any]) -> None:
        request = parse(PasswordResetRequest, body)
        with self.db.transaction() as session:
            accounts.request_password_reset(session, request.email)

    @rpc(expected_exceptions=expected)
    def reset_password(self, body: dict[str, Any]) -> list[str]:
        """Returns the ended sessions, so the calling gateway refuses them at once."""
        request = parse(PasswordResetConfirm, body)
        with self.db.transaction() as session:
            return accounts.reset_password(session, request, tpool.execute)

    @rpc(expected_exceptions=expected)
    def get_user(self, user_id: int) -> dict[str, Any]:
        with self.db.transaction() as session:
            return accounts.get_user(session, user_id)

    @rpc
    def team_spaces(self, team_id: int) -> list[dict[str, Any]]:
        """The spaces of a team: ``[{id, name, is_default}]`` (offers checks an offer's space)."""
        with self.db.transaction() as session:
            return teams.spaces_of(session, team_id)

    @rpc
    def host_recipients(self, team_id: int, space_id: int | None = None) -> list[dict[str, Any]]:
        """Who is told about the team's applications and conventions (see ``teams.host_recipients``):
        ``[{user_id, email, first_name, last_name}]``."""
        with self.db.transaction() as session:
            return teams.host_recipients(session, team_id, space_id)

    @rpc(expected_exceptions=expected)
    def school_staff(self, uai: str, roles: list[str] | None = None) -> list[dict[str, Any]]:
        """The confirmed staff accounts of a school, of ``roles`` (default: heads and teachers):
        ``[{user_id, email, first_name, last_name, role}]`` (see ``teams.school_staff``)."""
        with self.db.transaction() as session:
            return teams.school_staff(session, uai, roles)
