"""Drafts of offers (« brouillons »): what a host typed in the offer form, kept as typed.

A draft survives reloads and going back through the form's steps; submitting it validates
it as a new offer would be and turns it into an unpublished offer (the host then presses
« Publier »), or applies it to the offer it edits. A team's drafts are shared by its
members and hidden from everyone else (404), as its offers are. Like ``catalogue``, the use
cases work through the caller's unit of work (``unit_of_work``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.offers import MAX_DRAFT_BYTES, OfferBody, OfferDraftOut
from services.common.errors import not_found, validation_error
from services.common.validation import parse
from services.offers import catalogue
from services.offers.models import OfferDraft
from services.offers.unit_of_work import OffersUnitOfWork


def content_problem(content: Any) -> str | None:
    """Why ``content`` cannot be kept as a draft (French), or None: a JSON object of 64 KB at most."""
    if not isinstance(content, dict):
        return "Le brouillon doit être un objet JSON."
    size = len(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_DRAFT_BYTES:
        return f"Le brouillon dépasse {MAX_DRAFT_BYTES // 1024} Ko ({size // 1024} Ko) : raccourcissez les textes."
    return None


def draft_out(draft: OfferDraft) -> dict[str, Any]:
    """The draft as the API answers it (``OfferDraftOut``)."""
    return OfferDraftOut(
        id=draft.id,
        offer_id=draft.offer_id,
        content=draft.content,
        created_at=draft.created_at.isoformat(),
        updated_at=draft.updated_at.isoformat(),
    ).model_dump(mode="json")


def _team_draft(uow: OffersUnitOfWork, actor: Actor, draft_id: int, *, lock: bool = False) -> OfferDraft:
    """The caller's team's draft; 404 for anyone else (as ``catalogue.team_offer``)."""
    team_id = catalogue.require_host(actor)
    draft = uow.drafts.get(draft_id, lock=lock)
    if draft is None or draft.team_id != team_id:
        raise not_found("Brouillon introuvable.")
    return draft


def save(
    uow: OffersUnitOfWork, actor: Actor, draft_id: int | None, content: Any, offer_id: int | None, now: datetime
) -> dict[str, Any]:
    """Create a draft (``draft_id`` None) or replace the content of one of the team's drafts.

    A new draft of an existing offer (``offer_id``) with an empty content starts as that
    offer's body. Replacing keeps the draft's offer: ``offer_id`` only counts at creation.
    """
    team_id = catalogue.require_host(actor)
    problem = content_problem(content)
    if problem is not None:
        raise validation_error({"content": [problem]})
    if draft_id is not None:
        draft = _team_draft(uow, actor, draft_id, lock=True)
        draft.content = content
        draft.updated_at = now
        return draft_out(draft)
    if offer_id is not None:
        offer = catalogue.team_offer(uow, actor, offer_id)
        if not content:
            content = catalogue.body_of(offer)
    draft = OfferDraft(
        team_id=team_id, created_by=actor.user_id, offer_id=offer_id, content=content, created_at=now, updated_at=now
    )
    uow.drafts.add(draft)
    return draft_out(draft)


def get(uow: OffersUnitOfWork, actor: Actor, draft_id: int) -> dict[str, Any]:
    """One of the team's drafts (``OfferDraftOut``); 404 otherwise."""
    return draft_out(_team_draft(uow, actor, draft_id))


def listing(uow: OffersUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """The team's drafts, the last saved first."""
    team_id = catalogue.require_host(actor)
    return [draft_out(draft) for draft in uow.drafts.of_team(team_id)]


def delete(uow: OffersUnitOfWork, actor: Actor, draft_id: int) -> None:
    """Delete one of the team's drafts; 404 otherwise."""
    uow.drafts.remove(_team_draft(uow, actor, draft_id, lock=True))


def _whole_patch(body: OfferBody) -> dict[str, Any]:
    """Every field of the body, as a PATCH: the edited offer becomes what the draft says.

    A draft that names no space leaves the offer in its own (a PATCH's null space would
    move it to the team's default one).
    """
    patch = body.model_dump(mode="json")
    if patch["space_id"] is None:
        del patch["space_id"]
    return patch


def submit(
    uow: OffersUnitOfWork, actor: Actor, draft_id: int, today: date, lookups: catalogue.Lookups
) -> dict[str, Any]:
    """Validate the draft as ``create_offer`` does, make it an offer, and delete it.

    Without ``offer_id``: a new offer, unpublished. With it: that offer takes every field of
    the draft. Invalid content is a 422 naming each field, and nothing changes.
    """
    draft = _team_draft(uow, actor, draft_id, lock=True)
    body = parse(OfferBody, draft.content)
    if draft.offer_id is None:
        answer = catalogue.create(uow, actor, body, today, lookups, published=False)
    else:
        answer = catalogue.update(uow, actor, draft.offer_id, _whole_patch(body), today, lookups)
    uow.drafts.remove(draft)
    return answer


def follow_team(session: Session, previous_team_id: int, team_id: int) -> int:
    """The drafts of a team whose only member joined another team go along; how many moved."""
    return session.execute(
        update(OfferDraft)
        .where(OfferDraft.team_id == previous_team_id)
        .values(team_id=team_id)
        .execution_options(synchronize_session=False)
    ).rowcount
