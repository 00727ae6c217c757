"""Identity: accounts, sessions, teams (members, invitations), spaces and their notification settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, get_args

from eventlet import tpool

from services.common.client_addresses import counts_address
from services.common.config import secret_key
from services.common.contracts.actors import Actor
from services.common.contracts.identity import (
    ADMIN_ROLE,
    OPERATOR_ROLE,
    ConfirmRequest,
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    Role,
    SignupRequest,
)
from services.common.contracts.school_staff import StaffDecision
from services.common.contracts.teams import DeleteSpaceQuery, InvitationBody, NotifyBody, SpaceBody, TokenBody
from services.common.database import Database, utcnow
from services.common.entrypoints import Pingable, rpc
from services.common.errors import DomainError, rate_limited
from services.common.rpc import TimedRpcProxy
from services.common.validation import parse
from services.identity import accounts, invitations, partner_calls, rate_limits, rules, school_staff, teams
from services.identity.models import OutboxMessage, ProcessedEvent


class IdentityService(Pingable):
    name = "identity"

    db = Database("identity", OutboxMessage, ProcessedEvent)
    matching = TimedRpcProxy("matching")
    offers = TimedRpcProxy("offers")

    def _count_request(
        self, by_email: rules.RateLimit, by_address: rules.RateLimit, email: str, ip: str | None
    ) -> None:
        """Count a request of a route open to anyone, in its own transaction (a refused or
        failing request counts too); 429 with its wait when over a limit."""
        with self.db.transaction() as session:
            retry_after = rate_limits.count_request(session, by_email, by_address, email, ip, utcnow())
        if retry_after is not None:
            raise rate_limited(retry_after, "Trop de demandes pour cette adresse : réessayez plus tard.")

    @rpc
    def signup(self, body: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
        """A new account; an address that has one gets the same answer and its owner an email.
        Limited by email address and by client address ``ip`` (429)."""
        request = parse(SignupRequest, body)
        self._count_request(rules.SIGNUP_PER_EMAIL, rules.SIGNUP_PER_ADDRESS, str(request.email), ip)
        return accounts.signup_hashed_first(
            self.db.transaction, request, tpool.execute, school_exists=self.matching.school_exists
        )

    @rpc
    def confirm_email(self, body: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
        """Confirm the address of the emailed token; unknown tokens are limited by ``ip`` (429)."""
        request = parse(ConfirmRequest, body)
        with self._guessing_limited(ip), self.db.transaction() as session:
            return accounts.confirm_email(session, request.token)

    @rpc
    def confirm_email_and_log_in(self, body: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
        """The emailed confirmation link, opened in a browser: confirm, then ``{token, user}``."""
        request = parse(ConfirmRequest, body)
        with self._guessing_limited(ip), self.db.transaction() as session:
            return accounts.confirm_email_and_log_in(session, request.token, secret_key(), ip)

    @contextmanager
    def _guessing_limited(self, ip: str | None) -> Iterator[None]:
        """Refuse (429) a client address that already tried too many unknown or used emailed
        tokens, and count the one tried inside when it is refused as such."""
        if not counts_address(ip):
            yield
            return
        assert ip is not None
        with self.db.transaction() as session:
            retry_after = rate_limits.wait(session, rules.TOKEN_FAILURES_PER_ADDRESS, ip, utcnow())
        if retry_after is not None:
            raise rate_limited(
                retry_after, "Trop de liens invalides essayés depuis cette adresse : réessayez plus tard."
            )
        try:
            yield
        except DomainError as exc:
            if exc.fields and "token" in exc.fields:
                with self.db.transaction() as session:
                    rate_limits.count(session, rules.TOKEN_FAILURES_PER_ADDRESS, ip, utcnow())
            raise

    @rpc
    def login(self, body: dict[str, Any], ip: str | None = None, device: str | None = None) -> dict[str, Any]:
        """Login of the v1 API: every role but operators, whose accounts serve the v2 API only
        (administrators, who cannot sign up, log in here too). ``{token, user, device}``:
        ``device`` is the device token the client keeps for its next logins (``devices``)."""
        return self._login(body, ip, roles=(*get_args(Role), ADMIN_ROLE), device=device)

    @rpc
    def partner_login(self, body: dict[str, Any], ip: str | None = None) -> dict[str, str]:
        """Login of the partner API v2: operator accounts only; answers ``{token}``."""
        return {"token": self._login(body, ip, roles=(OPERATOR_ROLE,))["token"]}

    def _login(
        self, body: dict[str, Any], ip: str | None, roles: tuple[str, ...] | None = None, device: str | None = None
    ) -> dict[str, Any]:
        request = parse(LoginRequest, body)
        return accounts.login(
            self.db.transaction, request.email, request.password, secret_key(), ip, tpool.execute, roles, device
        )

    @rpc
    def count_partner_call(self, operator_id: int) -> int | None:
        """Count one call to the partner API v2: None within the limit (100 a minute per
        operator), else the seconds to wait. Shared by every gateway (see partner_calls)."""
        with self.db.transaction() as session:
            return partner_calls.count_call(session, operator_id)

    @rpc
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

    @rpc
    def request_password_reset(self, body: dict[str, Any], ip: str | None = None) -> None:
        """Email a reset link if the address has an account; limited by email and by ``ip`` (429)."""
        request = parse(PasswordResetRequest, body)
        self._count_request(rules.RESET_PER_EMAIL, rules.RESET_PER_ADDRESS, request.email, ip)
        with self.db.transaction() as session:
            accounts.request_password_reset(session, request.email)

    @rpc
    def resend_confirmation(self, body: dict[str, Any], ip: str | None = None) -> None:
        """Email a new confirmation link if the address has an unconfirmed account; limited by
        email and by ``ip`` (429)."""
        request = parse(PasswordResetRequest, body)
        self._count_request(rules.RESEND_PER_EMAIL, rules.RESEND_PER_ADDRESS, request.email, ip)
        with self.db.transaction() as session:
            accounts.resend_confirmation(session, request.email)

    @rpc
    def reset_password(self, body: dict[str, Any], ip: str | None = None) -> list[str]:
        """Returns the ended sessions, so the calling gateway refuses them at once; unknown
        tokens are limited by ``ip`` (429)."""
        request = parse(PasswordResetConfirm, body)
        with self._guessing_limited(ip):
            return accounts.reset_password_hashed_first(self.db.transaction, request, tpool.execute)

    @rpc
    def get_user(self, user_id: int) -> dict[str, Any]:
        with self.db.transaction() as session:
            return accounts.get_user(session, user_id)

    # -- teams: every call names the caller (``Actor``); identity decides what they reach --------

    @rpc
    def get_team(self, actor: dict[str, Any]) -> dict[str, Any]:
        """The caller's team (``TeamOut``); 403 for anyone but a member of a team."""
        with self.db.transaction() as session:
            return teams.get_team(session, Actor(**actor))

    @rpc
    def invite_to_team(self, actor: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Invite an email address to the caller's team (``InvitationOut``); the email follows."""
        request = parse(InvitationBody, body)
        with self.db.transaction() as session:
            return invitations.invite(session, Actor(**actor), str(request.email), utcnow())

    @rpc
    def resend_invitation(self, actor: dict[str, Any], invitation_id: int) -> dict[str, Any]:
        """Send a pending invitation again with a new token (``InvitationOut``); the old link stops working."""
        with self.db.transaction() as session:
            return invitations.resend(session, Actor(**actor), invitation_id, utcnow())

    @rpc
    def withdraw_invitation(self, actor: dict[str, Any], invitation_id: int) -> None:
        with self.db.transaction() as session:
            invitations.withdraw(session, Actor(**actor), invitation_id, utcnow())

    @rpc
    def accept_invitation(self, actor: dict[str, Any], body: dict[str, Any], ip: str | None = None) -> dict[str, Any]:
        """Join the inviting team: ``{token, user, team}``; the caller's previous sessions end."""
        request = parse(TokenBody, body)
        with self.db.transaction() as session:
            return invitations.accept(session, Actor(**actor), request.token, secret_key(), ip, utcnow())

    @rpc
    def invitation_preview(self, actor: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Who invites, to be read by the logged-in invitee on the link's page (404, 403, 410 as accepting)."""
        request = parse(TokenBody, body)
        with self.db.transaction() as session:
            return invitations.preview(session, Actor(**actor), request.token, utcnow())

    @rpc
    def refuse_invitation(self, actor: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        request = parse(TokenBody, body)
        with self.db.transaction() as session:
            return invitations.refuse(session, Actor(**actor), request.token, utcnow())

    @rpc
    def remove_member(self, actor: dict[str, Any], user_id: int) -> list[str]:
        """Remove a member (or leave); returns the removed member's ended sessions, so the
        calling gateway refuses them at once."""
        with self.db.transaction() as session:
            return invitations.remove_member(session, Actor(**actor), user_id, utcnow())

    @rpc
    def create_space(self, actor: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        request = parse(SpaceBody, body)
        with self.db.transaction() as session:
            return teams.create_space(session, Actor(**actor), request.name)

    @rpc
    def rename_space(self, actor: dict[str, Any], space_id: int, body: dict[str, Any]) -> dict[str, Any]:
        request = parse(SpaceBody, body)
        with self.db.transaction() as session:
            return teams.rename_space(session, Actor(**actor), space_id, request.name)

    @rpc
    def delete_space(self, actor: dict[str, Any], space_id: int, move_to: int | None = None) -> None:
        """Delete a space once empty, or after moving its offers to ``move_to`` (the offers
        service counts and moves them, outside identity's transactions)."""
        query = parse(DeleteSpaceQuery, {"move_to": move_to})
        offers = teams.SpaceOffers(self.offers.count_space_offers, self.offers.move_space_offers)
        teams.delete_space(self.db.transaction, Actor(**actor), space_id, query.move_to, offers)

    @rpc
    def space_notifications(self, actor: dict[str, Any], space_id: int) -> list[dict[str, Any]]:
        """Every member of the team and whether they receive the space's notifications."""
        with self.db.transaction() as session:
            return teams.space_notifications(session, Actor(**actor), space_id)

    @rpc
    def set_space_notification(
        self, actor: dict[str, Any], space_id: int, user_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Whether a member receives the space's notifications; 409 ``LAST_RECIPIENT``."""
        request = parse(NotifyBody, body)
        with self.db.transaction() as session:
            return teams.set_space_notification(session, Actor(**actor), space_id, user_id, request.notify)

    @rpc
    def team_spaces(self, team_id: int) -> list[dict[str, Any]]:
        """The spaces of a team: ``[{id, name, is_default}]`` (offers checks an offer's space)."""
        with self.db.transaction() as session:
            return teams.spaces_of(session, team_id)

    @rpc
    def host_recipients(self, team_id: int, space_id: int | None = None) -> list[dict[str, Any]]:
        """Who is told about the team's applications and conventions: the members notified for
        ``space_id``, else the owner (see ``teams.host_recipients``): ``[{user_id, email,
        first_name, last_name}]``."""
        with self.db.transaction() as session:
            return teams.host_recipients(session, team_id, space_id)

    @rpc
    def school_staff(self, uai: str, roles: list[str] | None = None) -> list[dict[str, Any]]:
        """The confirmed staff accounts of a school, of ``roles`` (default: heads and teachers):
        ``[{user_id, email, first_name, last_name, role}]`` (see ``teams.school_staff``)."""
        with self.db.transaction() as session:
            return teams.school_staff(session, uai, roles)

    # -- school staff: the head confirms teachers; the confirmed staff sees the pupils ----------

    @rpc
    def school_staff_members(self, actor: dict[str, Any]) -> list[dict[str, Any]]:
        """The caller's school staff with each teacher's status (``StaffMemberOut``); head only."""
        with self.db.transaction() as session:
            return school_staff.staff_of(session, Actor(**actor))

    @rpc
    def decide_school_staff(self, actor: dict[str, Any], user_id: int, decision: str) -> dict[str, Any]:
        """The head confirms (``confirm``, emailed) or refuses (``refuse``) a teacher of their school."""
        if decision not in get_args(StaffDecision):
            raise DomainError("NOT_FOUND", "Action inconnue.")
        with self.db.transaction() as session:
            return school_staff.decide(session, Actor(**actor), user_id, decision, utcnow())

    @rpc
    def school_confirmed(self, user_id: int) -> bool | None:
        """Whether a teacher's head has confirmed them (None: not a teacher); the gateway asks it
        on each request of a teacher, for the actor it passes to the services."""
        with self.db.transaction() as session:
            return school_staff.school_confirmed(session, user_id)

    @rpc
    def school_pupils(self, actor: dict[str, Any]) -> list[dict[str, Any]]:
        """The pupils of the caller's school by class (``PupilOut``): its head or a confirmed teacher."""
        with self.db.transaction() as session:
            return school_staff.pupils_of(session, Actor(**actor))
