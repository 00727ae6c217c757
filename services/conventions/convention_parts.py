"""A convention from its creation to ``ready_to_sign``: the host's part and the school's part.

Created when the pupil confirms an application, prefilled with what is known (the offer's
hours and description, the pupil's class); each side fills in and declares its own part
done (``complete`` for the host, ``validate`` for the school). When both are done the
content is frozen, the legal representative gets a signing link, and signing starts.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.conventions import (
    CONVENTION_CREATED,
    CONVENTION_READY_TO_SIGN,
    HOST_FIELDS,
    SCHOOL_FIELDS,
    ConventionEvent,
    ConventionPatch,
)
from services.common.digests import token_digest
from services.common.errors import DomainError, forbidden, not_found, validation_error
from services.common.outbox import emit
from services.common.paging import rows_and_total
from services.common.school_calendar import Week
from services.common.working_time import schedule_problems
from services.conventions import convention_rules as rules
from services.conventions.access import SCHOOL_STAFF_ROLES, scope_of
from services.conventions.models import (
    Application,
    Convention,
    ConventionDocument,
    ConventionSignature,
)
from services.conventions.unit_of_work import ConventionsUnitOfWork

PER_PAGE = 20
# The offer's optional facts about its host, copied as they are when the convention is created.
EMPLOYER_EXTRAS = ("employer_trade_name", "employer_ministry", "contact_phone")
LINK_LIFETIME = timedelta(days=90)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def create_for(
    uow: ConventionsUnitOfWork, application: Application, offer: dict[str, Any], now: datetime
) -> Convention:
    """The draft convention of an approved application."""
    weeks = sorted(application.weeks)
    student = application.student
    school = application.school or {}
    convention = Convention(
        application_id=application.id,
        offer_id=application.offer_id,
        team_id=application.team_id,
        space_id=application.space_id,
        school_uai=application.school_uai,
        student_id=application.student_id,
        status="draft",
        facts={
            "offer_title": offer["title"],
            "offer_description": offer["description"],
            "employer_name": offer["employer_name"],
            "employer_siret": offer["employer_siret"],
            **{field: offer.get(field) for field in EMPLOYER_EXTRAS},
            "place": f"{offer['street']}, {offer['zipcode']} {offer['city']}",
            "student_first_name": student["first_name"],
            "student_name": f"{student['first_name']} {student['last_name']}",
            "student_email": student["email"],
            "grade": application.grade,
            "school_name": school.get("name"),
            "school": school or None,
            "weeks": weeks,
            "start_date": Week.parse(weeks[0]).monday.isoformat(),
            "end_date": Week.parse(weeks[-1]).friday.isoformat(),
        },
        host_part={
            **dict.fromkeys(HOST_FIELDS),
            "activities": offer["description"],
            "daily_hours": offer["daily_hours"],
            "lunch_break": offer["lunch_break"],
        },
        school_part={**dict.fromkeys(SCHOOL_FIELDS), "student_class": student.get("class_name")},
        created_at=now,
        updated_at=now,
    )
    uow.conventions.add(convention)
    uow.emit(CONVENTION_CREATED, event_of(convention))
    return convention


def event_of(convention: Convention, link_token: str | None = None) -> ConventionEvent:
    """The event payload naming the convention's parties."""
    facts, school_part = convention.facts, convention.school_part
    return ConventionEvent(
        convention_id=convention.id,
        offer_title=facts["offer_title"],
        team_id=convention.team_id,
        space_id=convention.space_id,
        school_uai=convention.school_uai,
        student_id=convention.student_id,
        student_first_name=facts["student_first_name"],
        student_name=facts["student_name"],
        student_email=facts["student_email"],
        start_date=facts["start_date"],
        end_date=facts["end_date"],
        legal_representative_name=school_part.get("legal_representative_name"),
        legal_representative_email=school_part.get("legal_representative_email"),
        legal_representative_phone=school_part.get("legal_representative_phone"),
        link_token=link_token,
    )


def content_of(convention: Convention) -> dict[str, Any]:
    """Everything the parties agree on (not its status nor signatures): what they sign."""
    return {
        "id": convention.id,
        "application_id": convention.application_id,
        "offer_id": convention.offer_id,
        "school_uai": convention.school_uai,
        "facts": convention.facts,
        "host_part": convention.host_part,
        "school_part": convention.school_part,
    }


def content_sha256(convention: Convention) -> str:
    """SHA-256 of the convention's content: recorded with each signature."""
    canonical = json.dumps(content_of(convention), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def signatures_of(session: Session, convention_id: int) -> list[ConventionSignature]:
    """The convention's signatures, in the order they were given."""
    return list(
        session.scalars(
            select(ConventionSignature)
            .where(ConventionSignature.convention_id == convention_id)
            .order_by(ConventionSignature.signed_at, ConventionSignature.id)
        )
    )


def convention_out(session: Session, convention: Convention) -> dict[str, Any]:
    """The convention as the API shows it (flat fields, API.md)."""
    return conventions_out(session, [convention])[0]


def conventions_out(session: Session, conventions: Sequence[Convention | Row[Any]]) -> list[dict[str, Any]]:
    """``convention_out`` of each of ``conventions`` (ORM objects, or rows of the table's
    columns), in two queries whatever their number (their signatures, which have a sealed
    PDF), so that a list costs the same for 3 rows or 300. Signatures are read as plain rows
    (no ORM objects for what is only shown)."""
    ids = [convention.id for convention in conventions]
    signatures: dict[int, list[Row[Any]]] = defaultdict(list)
    with_document: set[int] = set()
    if ids:
        for signature in session.execute(
            select(*_SIGNATURE_COLUMNS)
            .where(ConventionSignature.convention_id.in_(ids))
            .order_by(ConventionSignature.signed_at, ConventionSignature.id)
        ):
            signatures[signature.convention_id].append(signature)
        with_document = set(
            session.scalars(select(ConventionDocument.convention_id).where(ConventionDocument.convention_id.in_(ids)))
        )
    return [
        _convention_answer(convention, signatures[convention.id], convention.id in with_document)
        for convention in conventions
    ]


_SIGNATURE_COLUMNS = (
    ConventionSignature.convention_id,
    ConventionSignature.role,
    ConventionSignature.signer_name,
    ConventionSignature.signed_at,
    ConventionSignature.masked_phone,
)


def _convention_answer(
    convention: Convention | Row[Any], signatures: Sequence[Row[Any]], pdf_ready: bool
) -> dict[str, Any]:
    facts = convention.facts
    signed_roles = {signature.role for signature in signatures}
    return {
        "id": convention.id,
        "application_id": convention.application_id,
        "offer_id": convention.offer_id,
        "status": convention.status,
        "team_id": convention.team_id,
        "space_id": convention.space_id,
        "school_uai": convention.school_uai,
        "school_name": facts.get("school_name"),
        "student_id": convention.student_id,
        "student_name": facts["student_name"],
        "grade": facts.get("grade"),
        "offer_title": facts["offer_title"],
        "employer_name": facts["employer_name"],
        "employer_siret": facts.get("employer_siret"),
        # Conventions created before these were copied have none: shown as nothing.
        **{field: facts.get(field) for field in EMPLOYER_EXTRAS},
        "place": facts["place"],
        "weeks": facts["weeks"],
        "start_date": facts["start_date"],
        "end_date": facts["end_date"],
        **{field: convention.host_part.get(field) for field in HOST_FIELDS},
        **{field: convention.school_part.get(field) for field in SCHOOL_FIELDS},
        "completed_by_employer_at": _iso(convention.completed_by_employer_at),
        "validated_by_school_at": _iso(convention.validated_by_school_at),
        "signatures": [
            {
                "role": signature.role,
                "signer_name": signature.signer_name,
                "signed_at": signature.signed_at.isoformat(),
                "masked_phone": signature.masked_phone,
            }
            for signature in signatures
        ],
        "awaiting_signatures": (rules.awaiting(convention.status, signed_roles)),
        "pdf_ready": pdf_ready,
        "created_at": convention.created_at.isoformat(),
        "updated_at": convention.updated_at.isoformat(),
    }


def visible(session: Session, actor: Actor, convention_id: int, *, lock: bool = False) -> Convention:
    """The convention if the caller may see it; 404 otherwise."""
    query = select(Convention).where(Convention.id == convention_id)
    if lock:
        query = query.with_for_update()
    convention = session.scalar(query)
    if convention is None or not scope_of(actor).sees(convention.team_id, convention.student_id, convention.school_uai):
        raise not_found("Convention introuvable.")
    return convention


def listing(session: Session, actor: Actor, status: str | None, page: int, per_page: int) -> dict[str, Any]:
    """The conventions the caller may see, newest first."""
    scope = scope_of(actor)
    # Plain rows of the table: nothing here is changed, and ORM objects cost more than the rest.
    query = select(Convention.__table__).where(
        scope.filter(Convention.team_id, Convention.student_id, Convention.school_uai)
    )
    if status is not None:
        query = query.where(Convention.status == status)
    newest_first = query.order_by(Convention.created_at.desc(), Convention.id.desc())
    rows, total = rows_and_total(session, newest_first, page, per_page)
    return {
        "results": conventions_out(session, rows),
        "total": total,
        "page": page,
        "per_page": per_page,
    }


def _side(actor: Actor) -> str:
    if actor.role == "employer":
        return "host"
    if actor.role in SCHOOL_STAFF_ROLES:
        return "school"
    raise forbidden("Les élèves ne remplissent pas la convention : l'organisme et l'établissement s'en chargent.")


def update(session: Session, actor: Actor, convention_id: int, patch: ConventionPatch, now: datetime) -> Convention:
    """Change fields of the caller's own part (403 ``NOT_YOUR_PART`` for the other's)."""
    convention = visible(session, actor, convention_id, lock=True)
    side = _side(actor)
    values = patch.model_dump(mode="json", exclude_unset=True)
    own = HOST_FIELDS if side == "host" else SCHOOL_FIELDS
    others = sorted(field for field in values if field not in own)
    if others:
        whose = "de l'établissement" if side == "host" else "de l'organisme d'accueil"
        raise DomainError("NOT_YOUR_PART", f"Ces champs relèvent de la partie {whose} : {', '.join(others)}.")
    _require_editable(convention, side)
    if side == "host" and values.get("daily_hours"):
        problems = schedule_problems(values["daily_hours"])
        if problems:
            raise validation_error({"daily_hours": problems})
    if side == "host":
        convention.host_part = {**convention.host_part, **values}
    else:
        convention.school_part = {**convention.school_part, **values}
    convention.updated_at = now
    return convention


def _require_editable(convention: Convention, side: str) -> None:
    done = convention.completed_by_employer_at if side == "host" else convention.validated_by_school_at
    problem = rules.editing_problem(convention.status, done)
    if problem is not None:
        raise problem


def complete(session: Session, actor: Actor, convention_id: int, now: datetime) -> Convention:
    """The host declares its part done (tutor, activities, lawful hours)."""
    convention = visible(session, actor, convention_id, lock=True)
    if actor.role != "employer":
        raise forbidden("Seul l'organisme d'accueil complète sa partie de la convention.")
    _require_editable(convention, "host")
    problems = rules.missing(convention.host_part, rules.HOST_REQUIRED)
    if convention.host_part.get("daily_hours"):
        hours = ConventionPatch.model_validate({"daily_hours": convention.host_part["daily_hours"]}).daily_hours or {}
        unlawful = schedule_problems(hours)
        if unlawful:
            problems["daily_hours"] = unlawful
    if problems:
        raise validation_error(problems, "La partie de l'organisme d'accueil est incomplète.")
    convention.completed_by_employer_at = now
    return _after_part_done(session, convention, now)


def validate(session: Session, actor: Actor, convention_id: int, now: datetime) -> Convention:
    """The school declares its part done (head, referent teacher, pupil, legal representative)."""
    convention = visible(session, actor, convention_id, lock=True)
    if actor.role not in SCHOOL_STAFF_ROLES:
        raise forbidden("Seule l'équipe de l'établissement valide sa partie de la convention.")
    _require_editable(convention, "school")
    problems = rules.missing(convention.school_part, rules.SCHOOL_REQUIRED)
    if problems:
        raise validation_error(problems, "La partie de l'établissement est incomplète.")
    convention.validated_by_school_at = now
    return _after_part_done(session, convention, now)


def _after_part_done(session: Session, convention: Convention, now: datetime) -> Convention:
    convention.updated_at = now
    convention.status = rules.status_after_parts(
        convention.completed_by_employer_at is not None, convention.validated_by_school_at is not None
    )
    if convention.status != "ready_to_sign":
        return convention
    token = secrets.token_urlsafe(32)
    convention.link_token_hash = token_digest(token)
    convention.link_expires_at = now + LINK_LIFETIME
    session.flush()
    emit(session, CONVENTION_READY_TO_SIGN, event_of(convention, token))
    return convention


def by_link(session: Session, token: str, now: datetime, *, lock: bool = False) -> Convention:
    """The convention a legal representative's link points to; 404 when unknown or expired."""
    query = select(Convention).where(Convention.link_token_hash == token_digest(token))
    if lock:
        query = query.with_for_update()
    convention = session.scalar(query)
    if convention is None or convention.link_expires_at is None or convention.link_expires_at <= now:
        raise not_found("Ce lien de signature est inconnu ou a expiré.")
    return convention


def cancel(convention: Convention, now: datetime) -> None:
    """Its application was cancelled after approval: the convention is cancelled too, and its
    legal representative's link stops working (the caller checked ``rules.may_be_cancelled``)."""
    convention.status = "cancelled"
    convention.link_token_hash = None
    convention.updated_at = now
