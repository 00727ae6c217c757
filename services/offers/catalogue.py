"""Offer use cases of a host's team: publish, read, edit, duplicate, unpublish, delete.

Each function works through the caller's unit of work (``unit_of_work``: its repositories, in
its transaction) and emits the change's event with it; none queries a database, so the unit
tests run them on an in-memory unit of work (``tests/unit/test_offer_use_cases.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from services.common.contracts.actors import Actor
from services.common.contracts.offers import (
    EMPLOYER_PUPIL_HIDDEN,
    OFFER_DELETED,
    OFFER_PUBLISHED,
    OFFER_UNPUBLISHED,
    OFFER_UPDATED,
    OfferBody,
    OfferDeleted,
    OfferOut,
    OfferPreview,
    OfferSnapshot,
    UpdateReason,
)
from services.common.database import utcnow
from services.common.digests import request_digest
from services.common.errors import conflict, forbidden, not_found, validation_error
from services.common.school_calendar import PARIS, SchoolYear
from services.common.validation import parse
from services.offers.models import IdempotencyKey, Offer
from services.offers.offer_mapping import apply, body_of, flat_values
from services.offers.review_rules import update_reason
from services.offers.rules import hours_problems, is_past, offer_problems, open_weeks
from services.offers.unit_of_work import OffersUnitOfWork


class Lookups(NamedTuple):
    """What other services know and offers asks (each a remote call in the service)."""

    # The spaces of a team (identity): ``[{id, name, is_default}, ...]``
    team_spaces: Callable[[int], list[dict[str, Any]]]
    # The UAIs the schools directory does not know (matching); None while it is empty
    unknown_schools: Callable[[list[str]], list[str] | None]


PER_PAGE = 20


def _seconde_label(offer: Offer, today: date) -> str | None:
    if not offer.seconde_period:
        return None
    return SchoolYear.current(today).seconde.label(offer.seconde_period)


def _weeks(offer: Offer, today: date) -> tuple[list[str], list[str]]:
    return open_weeks(offer.college_weeks, offer.seconde_period, today)


def offer_out(offer: Offer, today: date) -> dict[str, Any]:
    """The offer as its team sees it."""
    college, seconde = _weeks(offer, today)
    return OfferOut.model_validate(
        {
            **body_of(offer),
            "id": offer.id,
            "team_id": offer.team_id,
            "status": offer.status,
            "remaining_seats": offer.max_candidates - offer.approved_count,
            "weeks": sorted(set(college) | set(seconde)),
            "seconde_label": _seconde_label(offer, today),
            "past": is_past(offer.college_weeks, offer.seconde_period, today),
            "need_to_be_updated": bool(offer.need_to_be_updated),
            "update_reason": offer.update_reason,
            "created_at": offer.created_at.isoformat(),
            "updated_at": offer.updated_at.isoformat(),
            "published_at": offer.published_at.isoformat() if offer.published_at else None,
        }
    ).model_dump(mode="json")


def preview_of(offer: Offer, today: date) -> dict[str, Any]:
    """The offer as pupils see it."""
    body = body_of(offer)
    college, seconde = _weeks(offer, today)
    employer = {key: value for key, value in body["employer"].items() if key not in EMPLOYER_PUPIL_HIDDEN}
    return OfferPreview.model_validate(
        {
            **body,
            "id": offer.id,
            "employer": employer,
            "weeks": sorted(set(college) | set(seconde)),
            "seconde_label": _seconde_label(offer, today),
            "remaining_seats": offer.max_candidates - offer.approved_count,
        }
    ).model_dump(mode="json")


def snapshot(offer: Offer, today: date) -> OfferSnapshot:
    """What matching indexes."""
    college, seconde = _weeks(offer, today)
    return OfferSnapshot.model_validate(
        {
            **flat_values(offer, OfferSnapshot),
            "offer_id": offer.id,
            "college_weeks": "all_year" if offer.college_weeks == "all_year" else (college or None),
            "seconde_weeks": seconde,
            "remaining_seats": offer.max_candidates - offer.approved_count,
            # None on a row not yet flushed (its column default comes with the INSERT)
            "need_to_be_updated": bool(offer.need_to_be_updated),
        }
    )


def require_host(actor: Actor) -> int:
    """The caller's team; 403 for anyone but a host (an employer in a team)."""
    if not actor.is_host:
        raise forbidden("Seuls les comptes hébergeurs (employeurs) gèrent des offres.")
    assert actor.team_id is not None
    return actor.team_id


def _resolve_references(body: OfferBody, team_id: int, lookups: Lookups) -> OfferBody:
    """The body with its space (the team's default when none), once its references exist."""
    uais = body.reserved_for.school_uais
    unknown = lookups.unknown_schools(uais) if uais else None
    if unknown:
        messages = [f"Aucun établissement de l'annuaire n'a le code UAI {uai}." for uai in unknown]
        raise validation_error({"reserved_for.school_uais": messages})
    spaces = lookups.team_spaces(team_id)
    if body.space_id is None:
        default = next((space["id"] for space in spaces if space["is_default"]), spaces[0]["id"] if spaces else None)
        if default is None:
            raise validation_error({"space_id": ["Votre équipe n'a aucun espace : créez-en un."]})
        return body.model_copy(update={"space_id": default})
    if body.space_id not in {space["id"] for space in spaces}:
        raise validation_error({"space_id": ["Cet espace n'existe pas dans votre équipe."]})
    return body


def _check(body: OfferBody, today: date, approved: int = 0, *, hours: bool = True) -> None:
    """422 naming every rule the offer breaks; ``hours``: the working-time rules for minors too."""
    problems = offer_problems(body, today, approved)
    if hours:
        problems.update(hours_problems(body))
    if problems:
        raise validation_error(problems)


def _is_member(actor: Actor | None, offer: Offer) -> bool:
    """Whether the caller belongs to the offer's team (a partner's offer has none)."""
    return actor is not None and actor.is_host and offer.team_id is not None and actor.team_id == offer.team_id


def team_offer(uow: OffersUnitOfWork, actor: Actor, offer_id: int, *, lock: bool = False) -> Offer:
    """The caller's team's offer; 404 for anyone else, pupils and school staff included.

    Another team's offer is "not found", never "forbidden": its existence is not told, and
    a pupil or a school user who tries an id learns no more than a host of another team.
    ``lock`` (for a change): the row is locked until commit on PostgreSQL, so a concurrent
    change (a seat count from conventions) waits and the two get distinct versions.
    """
    offer = uow.offers.get(offer_id, lock=lock)
    if offer is None or offer.deleted_at is not None or not _is_member(actor, offer):
        raise not_found("Offre introuvable.")
    return offer


def touch(offer: Offer) -> None:
    """A new version of the offer: its next snapshot supersedes the ones matching holds."""
    offer.version += 1
    offer.updated_at = utcnow()


def offer_school_year(offer: Offer) -> int:
    """The school year the offer was published (or last edited) for; of its publication (else
    creation) day for an offer that does not say."""
    if offer.school_year is not None:
        return offer.school_year
    moment = offer.published_at or offer.created_at
    return SchoolYear.current(moment.astimezone(PARIS).date()).start_year


def reason_to_update(offer: Offer, today: date) -> UpdateReason | None:
    """Why the offer needs its host's update today (``review_rules``), None when it does not."""
    return update_reason(
        school_year=offer_school_year(offer),
        college_weeks=offer.college_weeks,
        seconde_period=offer.seconde_period,
        max_candidates=offer.max_candidates,
        approved_count=offer.approved_count,
        today=today,
    )


def recheck_update_need(offer: Offer, today: date) -> None:
    """After a change of a marked offer: unmarked (back in the search) once no reason is left,
    else its current reason. Only the review pass marks (and tells the host)."""
    if not offer.need_to_be_updated:
        return
    reason = reason_to_update(offer, today)
    offer.need_to_be_updated = reason is not None
    offer.update_reason = reason


def _new_team_offer(team_id: int | None, actor: Actor, body: OfferBody, published: bool, today: date) -> Offer:
    """A first version of a team's offer, published now or kept for the host to publish."""
    now = utcnow()
    offer = Offer(
        team_id=team_id,
        school_year=SchoolYear.current(today).start_year,
        created_by=actor.user_id,
        status="published" if published else "unpublished",
        version=1,
        created_at=now,
        updated_at=now,
        published_at=now if published else None,
        approved_count=0,
    )
    apply(offer, body)
    return offer


def create(
    uow: OffersUnitOfWork,
    actor: Actor,
    body: OfferBody,
    today: date,
    lookups: Lookups,
    idempotency_key: str | None = None,
    *,
    published: bool = True,
) -> dict[str, Any]:
    """Publish a new offer; the same ``Idempotency-Key`` again answers the same offer.

    ``published=False`` (a submitted draft): the offer is kept for the host to publish.
    """
    team_id = require_host(actor)
    scope = f"user:{actor.user_id}"
    request_hash = request_digest(body.model_dump(mode="json"))
    # Asked before the first query: no database connection is held during the RPC.
    body = _resolve_references(body, team_id, lookups)
    if idempotency_key:
        done = uow.idempotency_keys.find(scope, idempotency_key)
        if done is not None:
            if done.request_hash != request_hash:
                raise conflict("IDEMPOTENCY_KEY_REUSED", "Cette clé d'idempotence a déjà servi pour une autre offre.")
            answered = uow.offers.get(done.offer_id)
            assert answered is not None  # offers are never removed, only marked deleted
            return offer_out(answered, today)
    _check(body, today)
    offer = _new_team_offer(team_id, actor, body, published=published, today=today)
    uow.offers.add(offer)
    if idempotency_key:
        uow.idempotency_keys.add(
            IdempotencyKey(
                scope=scope,
                key=idempotency_key,
                request_hash=request_hash,
                offer_id=offer.id,
                created_at=offer.created_at,
            )
        )
    if published:
        uow.emit(OFFER_PUBLISHED, snapshot(offer, today))
    return offer_out(offer, today)


def get(uow: OffersUnitOfWork, actor: Actor, offer_id: int, today: date) -> dict[str, Any]:
    """One of the team's offers (``OfferOut``); 404 otherwise (``team_offer``)."""
    return offer_out(team_offer(uow, actor, offer_id), today)


def list_team_offers(
    uow: OffersUnitOfWork,
    actor: Actor,
    today: date,
    space_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> dict[str, Any]:
    """The team's offers, those to update first (``need_to_be_updated``), then newest first,
    one page at a time."""
    team_id = require_host(actor)
    rows, total = uow.offers.team_page(team_id, space_id=space_id, status=status, page=page, per_page=per_page)
    return {"results": [offer_out(offer, today) for offer in rows], "total": total, "page": page, "per_page": per_page}


def _merged(offer: Offer, patch: dict[str, Any]) -> dict[str, Any]:
    merged = body_of(offer)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "daily_hours":
            stored = dict(merged[key])
            if key == "reserved_for":
                # One of the two ways to name the schools replaces both: a client that knows
                # only ``school_uai`` changes the reservation with it alone.
                if "school_uai" in value and "school_uais" not in value:
                    stored.pop("school_uais", None)
                elif "school_uais" in value and "school_uai" not in value:
                    stored.pop("school_uai", None)
            merged[key] = {**stored, **value}
        else:
            merged[key] = value
    return merged


def update(
    uow: OffersUnitOfWork, actor: Actor, offer_id: int, patch: dict[str, Any], today: date, lookups: Lookups
) -> dict[str, Any]:
    """Change any part of an offer; the whole result is validated as a new offer would be."""
    offer = team_offer(uow, actor, offer_id, lock=True)
    body = parse(OfferBody, _merged(offer, patch))
    if "space_id" in patch or "reserved_for" in patch:
        body = _resolve_references(body, offer.team_id or 0, lookups)
    _check(body, today, offer.approved_count)
    apply(offer, body)
    # Checked against this school year's weeks: the offer is now this year's.
    offer.school_year = SchoolYear.current(today).start_year
    recheck_update_need(offer, today)
    touch(offer)
    uow.emit(OFFER_UPDATED, snapshot(offer, today))
    return offer_out(offer, today)


def delete(uow: OffersUnitOfWork, actor: Actor, offer_id: int) -> None:
    """Remove an offer, unless pupils were already approved for it."""
    offer = team_offer(uow, actor, offer_id, lock=True)
    if offer.approved_count > 0:
        raise conflict(
            "OFFER_HAS_APPROVED_PUPILS",
            f"{offer.approved_count} élève(s) déjà retenu(s) : cette offre ne peut pas être supprimée.",
        )
    offer.deleted_at = utcnow()
    touch(offer)
    uow.emit(OFFER_DELETED, OfferDeleted(offer_id=offer.id, version=offer.version))


def duplicate(uow: OffersUnitOfWork, actor: Actor, offer_id: int, today: date) -> dict[str, Any]:
    """A new, unpublished offer with the same content, for the host to edit and publish."""
    source = team_offer(uow, actor, offer_id)
    copy = _new_team_offer(source.team_id, actor, parse(OfferBody, body_of(source)), published=False, today=today)
    uow.offers.add(copy)
    return offer_out(copy, today)


def publish(uow: OffersUnitOfWork, actor: Actor, offer_id: int, today: date) -> dict[str, Any]:
    """Show the offer to pupils again; its weeks must still be ahead."""
    offer = team_offer(uow, actor, offer_id, lock=True)
    if offer.status == "published":
        raise conflict("ALREADY_PUBLISHED", "Cette offre est déjà publiée.")
    # Offers stored before the working-time rules applied to them can still be republished.
    _check(parse(OfferBody, body_of(offer)), today, offer.approved_count, hours=False)
    offer.status = "published"
    offer.published_at = utcnow()
    offer.school_year = SchoolYear.current(today).start_year
    recheck_update_need(offer, today)
    touch(offer)
    uow.emit(OFFER_PUBLISHED, snapshot(offer, today))
    return offer_out(offer, today)


def unpublish(uow: OffersUnitOfWork, actor: Actor, offer_id: int, today: date) -> dict[str, Any]:
    """Hide the offer from pupils; the team keeps it."""
    offer = team_offer(uow, actor, offer_id, lock=True)
    if offer.status != "published":
        raise conflict("NOT_PUBLISHED", "Cette offre n'est pas publiée.")
    offer.status = "unpublished"
    touch(offer)
    uow.emit(OFFER_UNPUBLISHED, snapshot(offer, today))
    return offer_out(offer, today)


def open_to_pupils(offer: Offer) -> bool:
    """Whether pupils may read the offer and apply to it: published and not marked « à mettre
    à jour » (``need_to_be_updated``: hidden from pupils until updated)."""
    return offer.deleted_at is None and offer.status == "published" and not offer.need_to_be_updated


def preview(uow: OffersUnitOfWork, actor: Actor | None, offer_id: int, today: date) -> dict[str, Any]:
    """An offer open to pupils (``open_to_pupils``) for anyone; the team's own offers in any
    status. Anyone else gets the same 404 whatever the reason: pupils learn nothing of an offer
    that is hidden from them."""
    offer = _not_deleted(uow, offer_id)
    if not open_to_pupils(offer) and not _is_member(actor, offer):
        raise not_found("Offre introuvable.")
    return preview_of(offer, today)


def applicant_preview(uow: OffersUnitOfWork, offer_id: int, today: date) -> dict[str, Any]:
    """The offer as pupils see it, for a pupil who applied to it (the caller asked conventions
    first: this module knows nothing of applications), also once it is closed to pupils
    (unpublished, or marked « à mettre à jour »), so that the pupil can still read what they
    applied to. Never a deleted offer: the same 404 as ``preview``."""
    return preview_of(_not_deleted(uow, offer_id), today)


def _not_deleted(uow: OffersUnitOfWork, offer_id: int) -> Offer:
    """The offer, unless it does not exist or was deleted (404 for both)."""
    offer = uow.offers.get(offer_id)
    if offer is None or offer.deleted_at is not None:
        raise not_found("Offre introuvable.")
    return offer
