"""Applications: a pupil applies, the host's team answers, the pupil confirms; or it expires.

Each use case works through the caller's unit of work (``unit_of_work.ConventionsUnitOfWork``:
one transaction, never committed here); every change is recorded as a transition (who, what,
when, why) and emitted for the notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from services.common.contracts.actors import Actor
from services.common.contracts.conventions import (
    APPLICATION_APPROVED,
    APPLICATION_CANCELLED,
    APPLICATION_EXPIRED,
    APPLICATION_REJECTED,
    APPLICATION_SUBMITTED,
    APPLICATION_VALIDATED,
    MAX_COUNTED_OFFERS,
    ApplicationBody,
    ApplicationCounts,
    ApplicationEvent,
)
from services.common.contracts.offers import OfferForApplication
from services.common.digests import request_digest
from services.common.errors import DomainError, conflict, forbidden, not_found, validation_error
from services.common.reservations import Audience, admits
from services.conventions import application_rules as rules
from services.conventions import convention_parts, convention_rules, seats
from services.conventions.access import Scope, scope_of
from services.conventions.models import Application, ApplicationTransition
from services.conventions.unit_of_work import ConventionsUnitOfWork, Listed, Step

PER_PAGE = 20
DOUBLE_CLICK_WINDOW = timedelta(seconds=30)

_EVENTS = {
    "validated": APPLICATION_VALIDATED,
    "rejected": APPLICATION_REJECTED,
    "cancelled": APPLICATION_CANCELLED,
    "expired": APPLICATION_EXPIRED,
    "approved": APPLICATION_APPROVED,
}


class Lookups(NamedTuple):
    """What other services know, asked before the first query (no connection held meanwhile)."""

    offer: Callable[[int], dict[str, Any]]  # offers.offer_for_application
    user: Callable[[int], dict[str, Any]]  # identity.get_user
    school: Callable[[str], dict[str, Any] | None]  # matching.get_school, None when unknown


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def application_out(uow: ConventionsUnitOfWork, application: Application, expiry_days: int) -> dict[str, Any]:
    """The application as the API shows it, with its history."""
    return applications_out(uow, [application], expiry_days)[0]


def applications_out(
    uow: ConventionsUnitOfWork, applications: Sequence[Listed], expiry_days: int
) -> list[dict[str, Any]]:
    """``application_out`` of each of ``applications`` (ORM objects, or rows of the table's
    columns), in two reads whatever their number (their histories, their conventions' ids),
    so that a list costs the same for 3 rows or 300."""
    ids = [application.id for application in applications]
    histories: dict[int, list[Step]] = {}
    convention_ids: dict[int, int] = {}
    if ids:
        histories = uow.transitions.of(ids)
        convention_ids = uow.conventions.ids_of(ids)
    return [
        _application_answer(
            application, histories.get(application.id, []), convention_ids.get(application.id), expiry_days
        )
        for application in applications
    ]


def _application_answer(
    application: Listed, history: Sequence[Step], convention_id: int | None, expiry_days: int
) -> dict[str, Any]:
    pending = application.status in rules.PENDING
    return {
        "id": application.id,
        "offer_id": application.offer_id,
        "offer_title": application.offer["title"],
        "employer_name": application.offer["employer_name"],
        "city": application.offer["city"],
        "team_id": application.team_id,
        "space_id": application.space_id,
        "student_id": application.student_id,
        "student_name": f"{application.student['first_name']} {application.student['last_name']}",
        "school_uai": application.school_uai,
        "grade": application.grade,
        "weeks": list(application.weeks),
        "motivation": application.motivation,
        "phone": application.phone,
        "status": application.status,
        "reason": application.reason,
        "convention_id": convention_id,
        "history": [
            {
                "status": step.status,
                "by_role": step.by_role,
                "by_user_id": step.by_user_id,
                "at": step.at.isoformat(),
                "reason": step.reason,
            }
            for step in history
        ],
        "created_at": application.created_at.isoformat(),
        "updated_at": application.updated_at.isoformat(),
        "expires_at": _iso(rules.expires_at(application.updated_at, expiry_days)) if pending else None,
    }


def event_of(application: Application, by_role: str | None = None) -> ApplicationEvent:
    """The event payload naming the application's parties."""
    student = application.student
    return ApplicationEvent(
        application_id=application.id,
        offer_id=application.offer_id,
        offer_title=application.offer["title"],
        team_id=application.team_id,
        space_id=application.space_id,
        student_id=application.student_id,
        student_first_name=student["first_name"],
        student_name=f"{student['first_name']} {student['last_name']}",
        student_email=student["email"],
        student_phone=application.phone or student.get("phone"),
        weeks=list(application.weeks),
        status=application.status,
        by_role=by_role,
        reason=application.reason,
    )


def _record(
    uow: ConventionsUnitOfWork, application: Application, by_role: str, by_user_id: int | None, now: datetime
) -> None:
    uow.transitions.add(
        ApplicationTransition(
            application_id=application.id,
            status=application.status,
            by_role=by_role,
            by_user_id=by_user_id,
            reason=application.reason,
            at=now,
        )
    )


def find_repeat(
    uow: ConventionsUnitOfWork, actor: Actor, offer_id: int, body: ApplicationBody, key: str | None, now: datetime
) -> Application | None:
    """The application this request repeats (same ``Idempotency-Key``, or a double click).

    Raises 409 when the pupil already applied to the offer otherwise, or reuses a key.
    """
    request_hash = _request_digest(offer_id, body)
    if key:
        keyed = uow.applications.keyed(actor.user_id, key)
        if keyed is not None:
            if keyed.request_hash != request_hash:
                raise conflict("IDEMPOTENCY_KEY_REUSED", "Cette clé d'idempotence a déjà servi pour une autre demande.")
            return keyed
    existing = uow.applications.of_pupil_for_offer(actor.user_id, offer_id)
    if existing is None:
        return None
    if existing.request_hash == request_hash and now - existing.created_at <= DOUBLE_CLICK_WINDOW:
        return existing
    raise conflict("ALREADY_APPLIED", "Vous avez déjà candidaté à cette offre.")


def submit(
    uow: ConventionsUnitOfWork,
    actor: Actor,
    offer_id: int,
    body: ApplicationBody,
    lookups: Lookups,
    today: date,
    now: datetime,
    key: str | None,
) -> Application:
    """Record a pupil's application (or find the one this request repeats)."""
    if actor.role != "student":
        raise forbidden("Seuls les élèves candidatent aux offres.")
    offer = OfferForApplication.model_validate(lookups.offer(offer_id))
    student = lookups.user(actor.user_id)
    school = lookups.school(actor.school_uai) if actor.school_uai else None
    repeat = find_repeat(uow, actor, offer_id, body, key, now)
    if repeat is not None:
        return repeat
    if offer.status != "published" or offer.need_to_be_updated:
        raise not_found("Offre introuvable ou qui n'est plus publiée.")
    if offer.team_id is None:
        raise conflict("EXTERNAL_OFFER", "Cette offre d'un partenaire se demande sur le site du partenaire.")
    audience = Audience(
        school_uai=actor.school_uai,
        rep=bool(school and school.get("rep")),
        qpv=bool(school and school.get("qpv")),
    )
    if not admits(audience, offer.reserved_rep, offer.reserved_qpv, offer.reserved_school_uais):
        raise not_found("Offre introuvable ou qui n'est plus publiée.")
    grade = actor.grade or student.get("grade")
    problems = rules.week_problems(body.weeks, grade, offer.grades, offer.college_weeks, offer.seconde_weeks, today)
    if problems:
        raise validation_error(problems)
    counter = uow.seats.sync(offer.offer_id, offer.max_candidates, offer.approved_count)
    if counter.approved >= counter.seats:
        raise conflict("NO_SEAT_LEFT", "Toutes les places de cette offre sont prises.")
    application = Application(
        offer_id=offer.offer_id,
        team_id=offer.team_id or 0,
        space_id=offer.space_id,
        offer=offer.model_dump(mode="json"),
        student_id=actor.user_id,
        student={key_: student.get(key_) for key_ in ("first_name", "last_name", "email", "phone", "class_name")},
        school_uai=actor.school_uai,
        school=school,
        grade=grade,
        weeks=body.weeks,
        motivation=body.motivation,
        phone=body.phone,
        status="submitted",
        idempotency_key=key,
        request_hash=_request_digest(offer_id, body),
        created_at=now,
        updated_at=now,
    )
    uow.applications.add(application)
    _record(uow, application, rules.STUDENT_ROLE, actor.user_id, now)
    uow.emit(APPLICATION_SUBMITTED, event_of(application, rules.STUDENT_ROLE))
    return application


def visible(uow: ConventionsUnitOfWork, actor: Actor, application_id: int) -> Application:
    """The application if the caller may see it; 404 otherwise (never say it exists)."""
    application = uow.applications.get(application_id)
    if application is None or not scope_of(actor).sees(
        application.team_id, application.student_id, application.school_uai
    ):
        raise not_found("Candidature introuvable.")
    return application


def listing(
    uow: ConventionsUnitOfWork,
    actor: Actor,
    offer_id: int | None,
    status: str | None,
    page: int,
    per_page: int,
    expiry_days: int,
) -> dict[str, Any]:
    """The applications the caller may see, newest first."""
    found = uow.applications.page(scope_of(actor), offer_id=offer_id, status=status, page=page, per_page=per_page)
    return {
        "results": applications_out(uow, found.rows, expiry_days),
        "total": found.total,
        "page": page,
        "per_page": per_page,
    }


def counts(uow: ConventionsUnitOfWork, actor: Actor, offer_ids: list[int]) -> dict[str, dict[str, int]]:
    """``{str(offer_id): {"total", "submitted", "read", ...}}`` of the team's applications.

    One grouped query. Every asked offer is answered: zeros for an offer without any of the
    team's applications (another team's offer looks the same: nothing is told about it).
    """
    if actor.role != "employer" or actor.team_id is None:
        raise forbidden("Seules les équipes des structures d'accueil comptent les candidatures de leurs offres.")
    if not isinstance(offer_ids, list) or not all(type(offer_id) is int for offer_id in offer_ids):
        raise validation_error({"offer_ids": ["Indiquez une liste de numéros d'offres."]})
    wanted = set(offer_ids)
    if len(wanted) > MAX_COUNTED_OFFERS:
        raise validation_error({"offer_ids": [f"Au plus {MAX_COUNTED_OFFERS} offres à la fois."]})
    answer = {str(offer_id): ApplicationCounts().model_dump() for offer_id in sorted(wanted)}
    if not wanted:
        return answer
    for offer_id, status, count in uow.applications.tally(actor.team_id, wanted):
        tally = answer[str(offer_id)]
        tally[status] = tally.get(status, 0) + count
        tally["total"] += count
    return answer


def _role_in(actor: Actor, scope: Scope) -> str:
    if scope.kind == "team":
        return rules.HOST_ROLE
    if scope.kind == "student":
        return rules.STUDENT_ROLE
    raise forbidden("Les équipes des établissements consultent les candidatures sans y répondre.")


def move(
    uow: ConventionsUnitOfWork,
    application: Application,
    target: str,
    by_role: str,
    by_user_id: int | None,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Move ``application`` to ``target`` if nobody moved it meanwhile (409 otherwise)."""
    if not uow.applications.move(application, target, now, reason):
        raise conflict("INVALID_TRANSITION", "La candidature vient de changer d'état : rechargez-la.")
    _record(uow, application, by_role, by_user_id, now)
    event_type = _EVENTS.get(target)
    if event_type is not None:
        uow.emit(event_type, event_of(application, by_role))


def act(
    uow: ConventionsUnitOfWork, actor: Actor, application_id: int, action: str, reason: str | None, now: datetime
) -> Application:
    """``read``, ``validate``, ``reject`` or ``cancel`` by the host's team or the pupil.

    Cancelling a confirmed application gives its seat back and cancels its convention.
    """
    application = visible(uow, actor, application_id)
    role = _role_in(actor, scope_of(actor))
    target = rules.next_status(action, application.status, role)
    rules.reason_problems(action, reason)
    was_approved = application.status == "approved"
    convention = uow.conventions.of_application(application.id) if was_approved else None
    if convention is not None and not convention_rules.may_be_cancelled(convention.status):
        raise conflict("INVALID_TRANSITION", "La convention est signée par tous : le stage ne peut plus être annulé.")
    move(uow, application, target, role, actor.user_id, now, reason.strip() if reason else None)
    if was_approved:
        seats.give_back(uow, application.offer_id)
        if convention is not None:
            convention_parts.cancel(convention, now)
    return application


def reject_each(
    begin: Callable[[], AbstractContextManager[ConventionsUnitOfWork]],
    actor: Actor,
    application_ids: Sequence[int],
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    """Refuse each of ``application_ids`` for the same ``reason``, each in its own transaction:
    one that cannot be refused (another team's, already answered) is told in ``refused`` with
    its error and does not stop the others (``BulkRejectOut``). Each pupil is told as for a
    single refusal (one ``application_rejected`` event per application)."""
    if not actor.is_host:
        raise forbidden("Seules les équipes des structures d'accueil refusent des candidatures.")
    rules.reason_problems("reject", reason)
    rejected: list[int] = []
    refused: list[dict[str, Any]] = []
    for application_id in dict.fromkeys(application_ids):  # a repeated id is refused once
        try:
            with begin() as uow:
                act(uow, actor, application_id, "reject", reason, now)
        except DomainError as exc:
            refused.append({"id": application_id, "code": exc.code, "message": exc.message})
        else:
            rejected.append(application_id)
    return {"rejected": rejected, "refused": refused}


def approve(
    uow: ConventionsUnitOfWork, actor: Actor, application_id: int, offer: OfferForApplication, now: datetime
) -> Application:
    """The pupil confirms: takes a seat (409 ``NO_SEAT_LEFT`` when none is left), creates
    the convention and cancels the pupil's other pending applications for the same weeks."""
    application = visible(uow, actor, application_id)
    if actor.role != "student" or application.student_id != actor.user_id:
        raise forbidden("Seul l'élève confirme sa candidature.")
    rules.next_status("approve", application.status, rules.STUDENT_ROLE)
    if offer.status == "deleted":
        raise conflict("INVALID_TRANSITION", "Cette offre a été supprimée.")
    uow.seats.sync(offer.offer_id, offer.max_candidates, offer.approved_count)
    seats.take(uow, offer.offer_id)
    move(uow, application, "approved", rules.STUDENT_ROLE, actor.user_id, now)
    convention_parts.create_for(uow, application, offer.model_dump(mode="json"), now)
    # The confirmed one is no longer pending: only the pupil's others are.
    for other in uow.applications.pending_of_pupil(actor.user_id):
        if rules.overlaps(other.weeks, application.weeks):
            reason = "L'élève a confirmé un autre stage pour la même période."
            move(uow, other, "cancelled", rules.STUDENT_ROLE, actor.user_id, now, reason)
    return application


def expire_due(uow: ConventionsUnitOfWork, now: datetime, days: int, limit: int = 500) -> int:
    """Expire the pending applications nobody answered for ``days`` days; returns how many."""
    expired = 0
    for application in uow.applications.unanswered_since(now - timedelta(days=days), limit):
        try:
            move(uow, application, "expired", rules.SYSTEM_ROLE, None, now, f"Sans réponse pendant {days} jours.")
        except DomainError:
            continue  # answered meanwhile
        expired += 1
    return expired


def _request_digest(offer_id: int, body: ApplicationBody) -> str:
    return request_digest({"offer_id": offer_id, **body.model_dump(mode="json")})
