"""Account use cases: sign-up, confirmation, login, logout, password reset.

Each function works inside the caller's transaction (``session``) and emits its events to
the outbox, so the change and its event commit together. The ones that hash or verify a
password as the service runs them (``signup_hashed_first``, ``login``,
``reset_password_hashed_first``) take the transaction factory instead: Argon2 takes tens of
milliseconds, and a connection held meanwhile queues every other request of the process
behind it (SQLite gives each process one connection).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import session_tokens
from services.common.client_addresses import counts_address
from services.common.contracts import events
from services.common.contracts.identity import (
    ADMIN_ROLE,
    OPERATOR_ROLE,
    NewAdmin,
    NewOperator,
    PasswordResetConfirm,
    SignupRequest,
    UserOut,
)
from services.common.database import utcnow
from services.common.digests import token_digest
from services.common.errors import DomainError, conflict, not_found, rate_limited, validation_error
from services.common.outbox import emit
from services.identity import devices, rate_limits, rules, staff_rules, teams
from services.identity.models import AuthSession, LoginFailure, OneTimeToken, Operator, Team, User
from services.identity.passwords import hash_password, verify_password

# Argon2 is CPU-bound; the service passes a runner that moves it off the eventlet hub.
Blocking = Callable[..., Any]


# ``UnitOfWork.transaction``: a session committed when its block ends without error.
Transaction = Callable[[], AbstractContextManager[Session]]


def _direct(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


def user_out(user: User) -> dict[str, Any]:
    """The public view of a user."""
    return UserOut(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        role=user.role,
        phone=user.phone,
        school_uai=user.school_uai,
        grade=user.grade,
        class_name=user.class_name,
        team_id=user.team_id,
        email_confirmed=user.email_confirmed_at is not None,
        academy=user.academy,
        staff_status=user.staff_status,
        created_at=user.created_at.isoformat(),
    ).model_dump(mode="json")


def _retire_tokens(session: Session, user_id: int, purpose: str, now: datetime) -> None:
    """Mark every unused token of the user for ``purpose`` as used: only the newest emailed
    link works, and none once one of them has served."""
    session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user_id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
    )


def _issue_one_time_token(session: Session, user: User, purpose: str, now: datetime) -> str:
    _retire_tokens(session, user.id, purpose, now)
    token, digest = rules.new_token()
    ttl = rules.CONFIRMATION_TTL if purpose == "confirm" else rules.PASSWORD_RESET_TTL
    session.add(OneTimeToken(user_id=user.id, purpose=purpose, token_hash=digest, expires_at=now + ttl))
    return token


def _add_user(
    session: Session,
    *,
    email: str,
    password_hash: str,
    role: str,
    now: datetime,
    confirmed: bool,
    **profile: Any,
) -> User:
    """A new account, flushed (it has its id); 409 ``EMAIL_TAKEN`` when the address has one."""
    email = rules.normalize_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise conflict("EMAIL_TAKEN", "Un compte existe déjà avec cette adresse e-mail.")
    user = User(
        email=email,
        password_hash=password_hash,
        role=role,
        email_confirmed_at=now if confirmed else None,
        created_at=now,
        **profile,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        # Two sign-ups with one address at the same moment: the other one won.
        raise conflict("EMAIL_TAKEN", "Un compte existe déjà avec cette adresse e-mail.") from None
    return user


def _check_school(request: SignupRequest, school_exists: Callable[[str], bool | None] | None) -> None:
    if request.school_uai and school_exists is not None and school_exists(request.school_uai) is False:
        raise validation_error({"school_uai": ["Aucun établissement de l'annuaire n'a ce code UAI."]})


def signup_hashed_first(
    transaction: Transaction,
    request: SignupRequest,
    run_blocking: Blocking = _direct,
    school_exists: Callable[[str], bool | None] | None = None,
) -> dict[str, Any]:
    """``signup`` as the service runs it: the schools directory asked and the password hashed
    before a transaction opens, so neither holds a database connection."""
    _check_school(request, school_exists)
    password_hash = run_blocking(hash_password, request.password)
    try:
        with transaction() as session:
            return signup(session, request, password_hash=password_hash)
    except DomainError as exc:
        if exc.code != "EMAIL_TAKEN":
            raise
    # Another sign-up with this address committed between our check and our insert: answered
    # as any sign-up with an address that has an account (its owner emailed), so that even two
    # sign-ups at once tell nobody who has an account.
    with transaction() as session:
        return signup(session, request, password_hash=password_hash)


def signup(
    session: Session,
    request: SignupRequest,
    run_blocking: Blocking = _direct,
    confirmed: bool = False,
    school_exists: Callable[[str], bool | None] | None = None,
    password_hash: str | None = None,
) -> dict[str, Any]:
    """Create an account; an employer gets a team and its default space.

    A pupil's or staff member's school must be in the schools directory (``school_exists``,
    None while the directory is empty: the UAI's checksum, already checked, then suffices).
    Sends (through ``user_signed_up``) the confirmation email unless ``confirmed``.
    ``password_hash``, when given, is ``request.password`` already hashed (see
    ``signup_hashed_first``); an address that has an account costs the hash all the same, so
    that the answer takes the time of a real sign-up.
    """
    _check_school(request, school_exists)
    if password_hash is None:
        password_hash = run_blocking(hash_password, request.password)
    now = utcnow()
    owner = session.scalar(select(User).where(User.email == rules.normalize_email(str(request.email))))
    if owner is not None:
        return _answer_taken_email(session, owner, request, now)
    user = _add_user(
        session,
        email=str(request.email),
        password_hash=password_hash,
        role=request.role,
        now=now,
        confirmed=confirmed,
        first_name=request.first_name,
        last_name=request.last_name,
        phone=request.phone,
        school_uai=request.school_uai,
        grade=request.grade if request.role == "student" else None,
        class_name=request.class_name,
        staff_status=staff_rules.initial_status(request.role),
    )
    if user.role == teams.HOST_ROLE:
        teams.found_team(session, user, rules.DEFAULT_SPACE_NAME, now)
    if not confirmed:
        _send_confirmation(session, user, now)
    session.flush()
    return user_out(user)


def _send_confirmation(session: Session, user: User, now: datetime) -> None:
    """A new confirmation link (the previous one stops working), emailed through ``user_signed_up``."""
    token = _issue_one_time_token(session, user, "confirm", now)
    emit(
        session,
        events.USER_SIGNED_UP,
        events.UserSignedUp(
            user_id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            role=user.role,
            confirmation_token=token,
        ),
    )


def _answer_taken_email(session: Session, owner: User, request: SignupRequest, now: datetime) -> dict[str, Any]:
    """A sign-up with an address that has an account: its owner is emailed (someone tried to
    create an account with it: log in, or choose a new password), and the caller gets the
    answer of a new account, so that signing up tells nobody who has an account.

    The answer's ids are the next ones the tables would give; no account is created.
    """
    emit(
        session,
        events.SIGNUP_ON_TAKEN_EMAIL,
        events.SignupOnTakenEmail(user_id=owner.id, email=owner.email, first_name=owner.first_name),
    )
    next_user_id = (session.scalar(select(func.max(User.id))) or 0) + 1
    team_id = None
    if request.role == teams.HOST_ROLE:
        team_id = (session.scalar(select(func.max(Team.id))) or 0) + 1
    return UserOut(
        id=next_user_id,
        email=rules.normalize_email(str(request.email)),
        first_name=request.first_name,
        last_name=request.last_name,
        role=request.role,
        phone=request.phone,
        school_uai=request.school_uai,
        grade=request.grade if request.role == "student" else None,
        class_name=request.class_name,
        team_id=team_id,
        email_confirmed=False,
        academy=None,
        staff_status=staff_rules.initial_status(request.role),
        created_at=now.isoformat(),
    ).model_dump(mode="json")


def resend_confirmation(session: Session, email: str) -> None:
    """Email a new confirmation link to an account not confirmed yet (the previous link stops
    working); silent for an unknown or already confirmed address."""
    user = session.scalar(select(User).where(User.email == rules.normalize_email(email)))
    if user is None or user.email_confirmed_at is not None:
        return
    _send_confirmation(session, user, utcnow())


def create_operator(
    session: Session, request: NewOperator, password: str, run_blocking: Blocking = _direct
) -> dict[str, Any]:
    """A confirmed account of role ``operator`` (partner API v2) named ``request.name``.

    No email is sent: whoever runs the command hands the password over.
    """
    now = utcnow()
    user = _add_user(
        session,
        email=str(request.email),
        password_hash=run_blocking(hash_password, password),
        role=OPERATOR_ROLE,
        now=now,
        confirmed=True,
        # The display name stands in for a person's name in emails (password reset).
        first_name=request.name,
        last_name="",
    )
    session.add(Operator(user_id=user.id, name=request.name, created_at=now))
    session.flush()
    return user_out(user)


def create_admin(
    session: Session, request: NewAdmin, password: str, run_blocking: Blocking = _direct
) -> dict[str, Any]:
    """A confirmed account of role ``admin``, national or of ``request.academy``; no email is
    sent: whoever runs the command hands the password over."""
    user = _add_user(
        session,
        email=str(request.email),
        password_hash=run_blocking(hash_password, password),
        role=ADMIN_ROLE,
        now=utcnow(),
        confirmed=True,
        first_name=request.name,
        last_name="",
        academy=request.academy,
    )
    return user_out(user)


def _use_token(session: Session, token: str, purpose: str) -> OneTimeToken:
    record = session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == token_digest(token), OneTimeToken.purpose == purpose)
    )
    if record is None or record.used_at is not None:
        raise validation_error({"token": ["Ce lien est invalide ou a déjà été utilisé."]})
    now = utcnow()
    if record.expires_at <= now:
        raise DomainError("TOKEN_EXPIRED", "Ce lien a expiré : demandez-en un nouveau.")
    _retire_tokens(session, record.user_id, purpose, now)
    return record


def confirm_email(session: Session, token: str) -> dict[str, Any]:
    """Mark the email of the token's user as confirmed (single use)."""
    record = _use_token(session, token, "confirm")
    return user_out(confirm_email_of(session, record.user_id))


def confirm_email_of(session: Session, user_id: int) -> User:
    """Mark the user's email as confirmed (once: the event is emitted the first time only)."""
    user = session.get(User, user_id)
    assert user is not None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        emit(session, events.EMAIL_CONFIRMED, events.EmailConfirmed(user_id=user.id, email=user.email))
    return user


def confirm_email_and_log_in(session: Session, token: str, secret_key: str, ip: str | None) -> dict[str, Any]:
    """Confirm the email of the token's user and open a session: the emailed link logs the user in."""
    record = _use_token(session, token, "confirm")
    confirm_email_of(session, record.user_id)
    user = session.get(User, record.user_id)
    assert user is not None
    return open_session(session, user, secret_key, ip, utcnow())


def login(
    transaction: Transaction,
    email: str,
    password: str,
    secret_key: str,
    ip: str | None = None,
    run_blocking: Blocking = _direct,
    roles: Collection[str] | None = None,
    device: str | None = None,
) -> dict[str, Any]:
    """A session token for good credentials of a confirmed account, and a device token
    (``device``, see ``devices``): ``{token, user, device}``.

    Failures are counted per email address whether or not an account has it, so the
    answers (401 then 429) never tell whether the address is registered; and per client
    address. A known ``device`` of the account is held back by neither count, only by its own
    failures. A password reset clears the account's count. ``roles``, when given, are the only
    ones that may log in here (the partner API admits operators): any other account gets the
    answer of a wrong password, and counts as a failure.

    Two short transactions around the verification, which holds no connection: the first
    reads the account and its wait; the second looks again (limits, account, hash: another
    login or a reset may have come meanwhile) and records the outcome, a failure included,
    before the refusal is raised.
    """
    email = rules.normalize_email(email)
    with transaction() as session:
        user = session.scalar(select(User).where(User.email == email))
        seen_hash = user.password_hash if user is not None else None
        nonce = devices.known_device(secret_key, device, user.id) if user is not None else None
        retry_after = _login_wait(session, email, ip, nonce, utcnow())
    if retry_after is not None:
        raise rate_limited(retry_after, "Trop de tentatives de connexion. Réessayez plus tard.")
    verified = run_blocking(verify_password, seen_hash, password)
    failure: DomainError | None = None
    with transaction() as session:
        now = utcnow()
        user = session.scalar(select(User).where(User.email == email))
        # Guesses verified side by side are answered only while the limit still allows them.
        retry_after = _login_wait(session, email, ip, nonce, now)
        if retry_after is not None:
            failure = rate_limited(retry_after, "Trop de tentatives de connexion. Réessayez plus tard.")
        elif (
            not verified
            or user is None
            or user.password_hash != seen_hash
            or (roles is not None and user.role not in roles)
        ):
            _count_login_failure(session, email, ip, nonce, now)
            failure = DomainError("INVALID_CREDENTIALS", "Adresse électronique ou mot de passe incorrect.")
        elif user.email_confirmed_at is None:
            failure = DomainError(
                "EMAIL_NOT_CONFIRMED",
                "Confirmez d'abord votre adresse e-mail grâce au lien reçu par e-mail.",
            )
        else:
            session.execute(delete(LoginFailure).where(LoginFailure.email == email))
            opened = open_session(session, user, secret_key, ip, now)
            opened["device"] = device if nonce is not None and device else devices.new_device_token(secret_key, user.id)
            return opened
    raise failure


def _login_wait(session: Session, email: str, ip: str | None, nonce: str | None, now: datetime) -> int | None:
    """Seconds before a login may be tried, or None: by device for a known device, else by
    account and by client address."""
    if nonce is not None:
        return rate_limits.wait(session, rules.LOGIN_FAILURES_PER_DEVICE, nonce, now)
    failures = session.scalars(
        select(LoginFailure.failed_at).where(
            LoginFailure.email == email, LoginFailure.failed_at > now - rules.LOGIN_WINDOW
        )
    ).all()
    retry_after = rules.login_retry_after(failures, now)
    if retry_after is None and counts_address(ip):
        assert ip is not None
        retry_after = rate_limits.wait(session, rules.LOGIN_FAILURES_PER_ADDRESS, ip, now)
    return retry_after


def _count_login_failure(session: Session, email: str, ip: str | None, nonce: str | None, now: datetime) -> None:
    """Count a wrong password where ``_login_wait`` looks: a known device's failures count for
    that device only, so that they never lock the account for its other devices."""
    if nonce is not None:
        rate_limits.count(session, rules.LOGIN_FAILURES_PER_DEVICE, nonce, now)
        return
    session.add(LoginFailure(email=email, failed_at=now))
    if counts_address(ip):
        assert ip is not None
        rate_limits.count(session, rules.LOGIN_FAILURES_PER_ADDRESS, ip, now)


def open_session(session: Session, user: User, secret_key: str, ip: str | None, now: datetime) -> dict[str, Any]:
    """A new session of ``user`` and its token, naming where the user belongs now: ``{token, user}``."""
    auth_session = AuthSession(
        id=str(uuid.uuid4()), user_id=user.id, created_at=now, expires_at=now + rules.SESSION_TTL, ip=ip
    )
    session.add(auth_session)
    claims = session_tokens.SessionClaims(
        user.id, user.role, auth_session.id, auth_session.expires_at, user.team_id, user.school_uai, user.grade
    )
    return {"token": session_tokens.issue(secret_key, claims), "user": user_out(user)}


def _revoke(session: Session, auth_session: AuthSession, now: datetime) -> None:
    auth_session.revoked_at = now
    emit(
        session,
        events.SESSION_REVOKED,
        events.SessionRevoked(
            session_id=auth_session.id, user_id=auth_session.user_id, expires_at=auth_session.expires_at.isoformat()
        ),
    )


def logout(session: Session, session_id: str) -> None:
    """Revoke one session: its token stops working on every gateway."""
    auth_session = session.get(AuthSession, session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        _revoke(session, auth_session, utcnow())


def revoked_sessions(session: Session) -> list[str]:
    """Ids of revoked sessions whose tokens have not expired yet (a gateway's start-up list)."""
    now = utcnow()
    return list(
        session.scalars(
            select(AuthSession.id).where(AuthSession.revoked_at.is_not(None), AuthSession.expires_at > now)
        ).all()
    )


def is_session_active(session: Session, session_id: str) -> bool:
    auth_session = session.get(AuthSession, session_id)
    return auth_session is not None and auth_session.revoked_at is None and auth_session.expires_at > utcnow()


def request_password_reset(session: Session, email: str) -> None:
    """Email a reset link when the address has an account; silent otherwise."""
    user = session.scalar(select(User).where(User.email == rules.normalize_email(email)))
    if user is None:
        return
    token = _issue_one_time_token(session, user, "reset", utcnow())
    emit(
        session,
        events.PASSWORD_RESET_REQUESTED,
        events.PasswordResetRequested(user_id=user.id, email=user.email, first_name=user.first_name, reset_token=token),
    )


def reset_password_hashed_first(
    transaction: Transaction, request: PasswordResetConfirm, run_blocking: Blocking = _direct
) -> list[str]:
    """``reset_password`` as the service runs it: the new password hashed before a
    transaction opens, so the hash holds no database connection."""
    password_hash = run_blocking(hash_password, request.password)
    with transaction() as session:
        return reset_password(session, request, password_hash=password_hash)


def reset_password(
    session: Session,
    request: PasswordResetConfirm,
    run_blocking: Blocking = _direct,
    password_hash: str | None = None,
) -> list[str]:
    """Set a new password from a reset link; every open session of the account ends.
    ``password_hash``, when given, is ``request.password`` already hashed.

    Returns the ids of the ended sessions.
    """
    record = _use_token(session, request.token, "reset")
    user = session.get(User, record.user_id)
    assert user is not None
    user.password_hash = password_hash if password_hash is not None else run_blocking(hash_password, request.password)
    # Following the emailed link proves the address too.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    ended = end_sessions(session, user.id, utcnow())
    session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    return ended


def end_sessions(session: Session, user_id: int, now: datetime) -> list[str]:
    """Revoke every open session of the user (each token stops working on every gateway);
    returns their ids."""
    ended = session.scalars(
        select(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None), AuthSession.expires_at > now
        )
    ).all()
    for auth_session in ended:
        _revoke(session, auth_session, now)
    return [auth_session.id for auth_session in ended]


def get_user(session: Session, user_id: int) -> dict[str, Any]:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("Utilisateur introuvable.")
    return user_out(user)
