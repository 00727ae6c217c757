"""Signing conventions: a code by SMS for a batch, then one drawn signature for all of it.

A signatory is the host's team (any number of its ready conventions at once), the head of
school (a batch of the school's), the pupil (their own) or the legal representative (the
one convention of their emailed link). The code request and the signature are two calls;
a wrong code is counted in a transaction of its own so that the count survives the error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.common.client_addresses import counts_address
from services.common.contracts.actors import Actor
from services.common.contracts.conventions import (
    CONVENTION_SIGNED_BY_ALL,
)
from services.common.database import upsert_insert
from services.common.errors import DomainError, conflict, forbidden, not_found, rate_limited, validation_error
from services.common.identifiers import mask_phone
from services.common.outbox import emit
from services.conventions import convention_parts, convention_rules
from services.conventions import signature_codes as codes
from services.conventions.access import login_or_link_required, scope_of
from services.conventions.models import (
    CodeSending,
    Convention,
    ConventionSignature,
    SignatureImage,
    SignatureRequest,
)
from services.conventions.signature_images import DrawnSignature

ROLE_LABELS = {
    "employer": "l'organisme d'accueil",
    "school_manager": "le chef d'établissement",
    "student": "l'élève",
    "legal_representative": "le représentant légal",
}


@dataclass(frozen=True)
class Signer:
    """Who signs: their role, the key their requests are counted under, and who they are."""

    role: str
    key: str
    user_id: int | None = None
    link_convention_id: int | None = None


def signer_of(session: Session, actor: Actor | None, link_token: str | None, now: datetime) -> Signer:
    """The signatory behind a bearer token or a legal representative's link."""
    if link_token:
        convention = convention_parts.by_link(session, link_token, now)
        return Signer("legal_representative", f"link:{convention.id}", None, convention.id)
    if actor is None:
        raise login_or_link_required()
    if actor.role == "employer" and actor.team_id is not None:
        return Signer("employer", f"user:{actor.user_id}", actor.user_id)
    if actor.role == "school_manager":
        return Signer("school_manager", f"user:{actor.user_id}", actor.user_id)
    if actor.role == "student":
        return Signer("student", f"user:{actor.user_id}", actor.user_id)
    if actor.role == "teacher":
        raise forbidden("Seul le chef d'établissement signe la convention pour l'établissement.")
    raise forbidden("Vous ne signez pas de convention.")


def _signable(
    session: Session, signer: Signer, actor: Actor | None, convention_ids: list[int], *, lock: bool = False
) -> list[Convention]:
    """The conventions of the batch, each checked: 404 if not the signer's, 409 if not signable now;
    ``lock``: held until commit (PostgreSQL), for signing them."""
    if signer.link_convention_id is not None:
        convention_ids = [signer.link_convention_id]
    wanted = sorted(set(convention_ids))
    query = select(Convention).where(Convention.id.in_(wanted)).order_by(Convention.id)
    if lock:
        # Locked in id order: two batches sharing conventions cannot deadlock each other.
        query = query.with_for_update()
    found = {convention.id: convention for convention in session.scalars(query)}
    scope = scope_of(actor) if actor is not None and signer.link_convention_id is None else None
    conventions = []
    for convention_id in wanted:
        convention = found.get(convention_id)
        mine = convention is not None and (
            scope is None or scope.sees(convention.team_id, convention.student_id, convention.school_uai)
        )
        if not mine:
            raise not_found(f"Convention introuvable : {convention_id}.")
        assert convention is not None
        if convention.status not in convention_rules.SIGNABLE:
            raise conflict("NOT_READY_TO_SIGN", f"La convention {convention_id} n'est pas prête à être signée.")
        already = session.scalar(
            select(ConventionSignature.id).where(
                ConventionSignature.convention_id == convention_id, ConventionSignature.role == signer.role
            )
        )
        if already is not None:
            raise conflict(
                "ALREADY_SIGNED", f"La convention {convention_id} est déjà signée par {ROLE_LABELS[signer.role]}."
            )
        conventions.append(convention)
    return conventions


def _signer_name(signer: Signer, convention: Convention, user: dict[str, Any] | None) -> str:
    if signer.role == "legal_representative":
        return convention.school_part.get("legal_representative_name") or "Représentant légal"
    if signer.role == "student":
        return convention.facts["student_name"]
    if user is not None:
        return f"{user['first_name']} {user['last_name']}"
    return ROLE_LABELS[signer.role]


@dataclass(frozen=True)
class CodeToSend:
    """A request whose code must now be texted (after the commit), and its sending's row."""

    request: SignatureRequest
    code: str
    sending_id: int


def request_code(
    session: Session,
    signer: Signer,
    actor: Actor | None,
    convention_ids: list[int],
    phone: str,
    user: dict[str, Any] | None,
    now: datetime,
    secret: str,
    ip: str | None = None,
) -> CodeToSend:
    """A code for the batch: a new request, or a new code for the same live request.

    Asking again for the same batch keeps the request and its count of wrong codes, so
    asking again never buys more tries. Three codes per signatory and ten per client address
    ``ip`` per 15 minutes; the address is kept with the sending.
    """
    conventions = _signable(session, signer, actor, convention_ids)
    if signer.role == "legal_representative":
        expected = conventions[0].school_part.get("legal_representative_phone")
        if expected and expected != phone:
            raise validation_error(
                {"phone": ["Ce numéro n'est pas celui du représentant légal indiqué par l'établissement."]}
            )
    sent = session.scalars(
        select(CodeSending.sent_at).where(
            CodeSending.signer_key == signer.key, CodeSending.sent_at > now - codes.REQUEST_WINDOW
        )
    ).all()
    allowed = codes.throttle(list(sent), now)
    if not allowed.allowed:
        raise rate_limited(
            allowed.retry_after,
            "Trop de codes demandés : au plus 3 par quart d'heure. Réessayez plus tard.",
        )
    if counts_address(ip):
        from_address = session.scalars(
            select(CodeSending.sent_at).where(CodeSending.ip == ip, CodeSending.sent_at > now - codes.REQUEST_WINDOW)
        ).all()
        allowed = codes.throttle(list(from_address), now, codes.ADDRESS_REQUESTS_PER_WINDOW)
        if not allowed.allowed:
            raise rate_limited(
                allowed.retry_after, "Trop de codes demandés depuis cette adresse IP. Réessayez plus tard."
            )
    ids = [convention.id for convention in conventions]
    code = codes.new_code()
    request = _live_request(session, signer, ids, now)
    if request is None:
        request_id = uuid.uuid4().hex
        request = SignatureRequest(
            id=request_id,
            signer_key=signer.key,
            role=signer.role,
            user_id=signer.user_id,
            signer_name=_signer_name(signer, conventions[0], user),
            convention_ids=ids,
            phone=phone,
            code_hash=codes.code_hash(secret, request_id, code),
            attempts=0,
            sends=1,
            expires_at=now + codes.CODE_LIFETIME,
            created_at=now,
        )
        session.add(request)
    else:
        if request.attempts >= codes.MAX_WRONG_CODES:
            raise codes.locked()
        request.code_hash = codes.code_hash(secret, request.id, code)
        request.phone = phone
        request.sends += 1
        request.expires_at = now + codes.CODE_LIFETIME
    session.flush()
    sending = CodeSending(signer_key=signer.key, request_id=request.id, sent_at=now, ip=ip)
    session.add(sending)
    session.flush()
    return CodeToSend(request, code, sending.id)


def forget_sending(session: Session, sending_id: int) -> None:
    """A code that could not be texted (notifications away) no longer counts against the
    signatory's and the address's codes: asking while the platform restarts, answered 503,
    must not shut them out for a quarter of an hour once it is back."""
    session.execute(delete(CodeSending).where(CodeSending.id == sending_id))


def _live_request(session: Session, signer: Signer, ids: list[int], now: datetime) -> SignatureRequest | None:
    candidates = session.scalars(
        select(SignatureRequest).where(
            SignatureRequest.signer_key == signer.key,
            SignatureRequest.used_at.is_(None),
            SignatureRequest.expires_at > now,
        )
    ).all()
    return next((request for request in candidates if sorted(request.convention_ids) == ids), None)


def request_out(request: SignatureRequest) -> dict[str, Any]:
    """The answer to a code request (202)."""
    return {
        "signature_request_id": request.id,
        "expires_at": request.expires_at.isoformat(),
        "masked_phone": mask_phone(request.phone),
        "convention_ids": list(request.convention_ids),
    }


def check_code(
    session: Session, signer: Signer, request_id: str, code: str, now: datetime, secret: str
) -> DomainError | None:
    """None when ``code`` is the request's; otherwise the error to answer, after this
    transaction has committed the wrong try."""
    request = session.get(SignatureRequest, request_id)
    if request is None or request.signer_key != signer.key:
        raise not_found("Demande de signature introuvable.")
    problem = codes.request_problem(request.used_at, request.attempts, request.expires_at, now)
    if problem is not None:
        raise problem
    if codes.code_matches(secret, request.id, code, request.code_hash):
        return None
    # One UPDATE both counts and caps: concurrent wrong tries cannot pass the limit.
    counted = session.execute(
        update(SignatureRequest)
        .where(SignatureRequest.id == request.id, SignatureRequest.attempts < codes.MAX_WRONG_CODES)
        .values(attempts=SignatureRequest.attempts + 1)
        .returning(SignatureRequest.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if counted is None:
        return codes.locked()
    return codes.wrong_code(counted)


def sign(
    session: Session,
    signer: Signer,
    actor: Actor | None,
    request_id: str,
    image: DrawnSignature,
    ip: str | None,
    now: datetime,
) -> list[int]:
    """Sign every convention of the request (all or none); returns their ids."""
    used = session.execute(
        update(SignatureRequest)
        .where(SignatureRequest.id == request_id, SignatureRequest.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise codes.already_used()
    request = session.get(SignatureRequest, request_id)
    assert request is not None
    session.refresh(request)
    table = SignatureImage.__table__
    session.execute(
        upsert_insert(session)(table)
        .values(sha256=image.sha256, mime=image.mime, data=image.data)
        .on_conflict_do_nothing(index_elements=[table.c.sha256])
    )
    ids = sorted(request.convention_ids)
    conventions = _signable(session, signer, actor, ids, lock=True)
    masked = mask_phone(request.phone)
    for convention in conventions:
        session.add(
            ConventionSignature(
                convention_id=convention.id,
                role=signer.role,
                signer_user_id=signer.user_id,
                # Named when the code was asked: the same person for every convention of the batch.
                signer_name=request.signer_name,
                signed_at=now,
                ip=ip,
                masked_phone=masked,
                image_sha256=image.sha256,
                content_sha256=convention_parts.content_sha256(convention),
                request_id=request.id,
            )
        )
        session.flush()
        signed_roles = set(
            session.scalars(select(ConventionSignature.role).where(ConventionSignature.convention_id == convention.id))
        )
        convention.updated_at = now
        convention.status = convention_rules.status_after_signatures(signed_roles)
        if convention.status == convention_rules.FINAL:
            emit(session, CONVENTION_SIGNED_BY_ALL, convention_parts.event_of(convention))
    return ids
