"""The convention's PDF: a draft marked PROJET until all have signed, then the sealed original.

The sealed PDF is made off the request path, after ``convention_signed_by_all``: its inputs
are read in one short transaction, the CPU-bound rendering and sealing run in a native
thread with no database connection held, and the result is stored in a second transaction
(once: a redelivered event finds it there).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.actors import Actor
from services.common.contracts.conventions import CONVENTION_DOCUMENT_READY
from services.common.database import upsert_insert
from services.common.errors import DomainError, not_found
from services.common.outbox import emit
from services.conventions import convention_parts
from services.conventions.access import login_or_link_required
from services.conventions.document import SignatureMark, render_convention_pdf
from services.conventions.models import Convention, ConventionDocument, SignatureImage
from services.conventions.seal import load_seal_identity, seal_pdf


@dataclass(frozen=True)
class DocumentInputs:
    """Everything the PDF shows, read from the database before rendering."""

    convention_id: int
    convention: dict[str, Any]
    school: dict[str, Any] | None
    marks: list[SignatureMark]
    final: bool


def inputs_of(session: Session, convention: Convention) -> DocumentInputs:
    """What the PDF of ``convention`` shows, as plain values."""
    data = convention_parts.convention_out(session, convention)
    data["offer_description"] = convention.facts.get("offer_description")
    data["objectives"] = convention.host_part.get("objectives")
    marks = []
    for signature in convention_parts.signatures_of(session, convention.id):
        image = session.get(SignatureImage, signature.image_sha256)
        assert image is not None
        marks.append(
            SignatureMark(
                role=signature.role,
                signer_name=signature.signer_name,
                signed_at=signature.signed_at,
                image=image.data,
                image_mime=image.mime,
                masked_phone=signature.masked_phone,
                image_sha256=signature.image_sha256,
                content_sha256=signature.content_sha256,
                ip=signature.ip,
            )
        )
    return DocumentInputs(
        convention.id, data, convention.facts.get("school"), marks, convention.status == "signed_by_all"
    )


def render(inputs: DocumentInputs) -> bytes:
    """The PDF of ``inputs``, not sealed (CPU-bound: the service runs it in a native thread)."""
    return render_convention_pdf(inputs.convention, inputs.school, inputs.marks, final=inputs.final)


def seal(pdf: bytes, state_dir: Path) -> bytes:
    """``pdf`` with the platform's PAdES seal (from a green thread: pyhanko runs an asyncio
    loop per call, serialised by ``seal`` with a green lock that native threads cannot share)."""
    return seal_pdf(pdf, load_seal_identity(state_dir))


def final_inputs(session: Session, convention_id: int) -> DocumentInputs | None:
    """Inputs of the sealed PDF still to make; None when it exists or is not due."""
    convention = session.get(Convention, convention_id)
    if convention is None or convention.status != "signed_by_all":
        return None
    if session.get(ConventionDocument, convention_id) is not None:
        return None
    return inputs_of(session, convention)


def store(session: Session, convention_id: int, pdf: bytes, now: datetime) -> bool:
    """Keep the sealed PDF and announce it; False when another worker stored it first."""
    table = ConventionDocument.__table__
    stored = session.execute(
        upsert_insert(session)(table)
        .values(convention_id=convention_id, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), created_at=now)
        .on_conflict_do_nothing(index_elements=[table.c.convention_id])
    ).rowcount
    if stored != 1:
        return False
    convention = session.get(Convention, convention_id)
    assert convention is not None
    emit(session, CONVENTION_DOCUMENT_READY, convention_parts.event_of(convention))
    return True


def pending_conventions(session: Session, limit: int = 50) -> list[int]:
    """Conventions signed by all whose sealed PDF is missing (a worker died mid-way)."""
    return list(
        session.scalars(
            select(Convention.id)
            .outerjoin(ConventionDocument, ConventionDocument.convention_id == Convention.id)
            .where(Convention.status == "signed_by_all", ConventionDocument.convention_id.is_(None))
            .order_by(Convention.id)
            .limit(limit)
        )
    )


def for_download(
    session: Session, actor: Actor | None, convention_id: int, link_token: str | None, now: datetime
) -> tuple[bytes | None, DocumentInputs | None]:
    """The stored sealed PDF, or the inputs of a draft to render; 404 when not the caller's.

    A convention signed by all whose sealed PDF is not made yet answers 409 with
    ``Retry-After``: a draft would be mistaken for the original.
    """
    if link_token:
        convention = convention_parts.by_link(session, link_token, now)
        if convention.id != convention_id:
            raise not_found("Convention introuvable.")
    elif actor is not None:
        convention = convention_parts.visible(session, actor, convention_id)
    else:
        raise login_or_link_required()
    document = session.get(ConventionDocument, convention.id)
    if document is not None:
        return document.pdf, None
    if convention.status == "signed_by_all":
        raise DomainError(
            "PDF_IN_PROGRESS",
            "La convention signée est en cours de génération : réessayez dans un instant.",
            retry_after=5,
        )
    return None, inputs_of(session, convention)


def pdf_answer(convention_id: int, pdf: bytes, final: bool) -> dict[str, Any]:
    """The RPC answer carrying a PDF (base64: the bus speaks JSON)."""
    suffix = "" if final else "-projet"
    return {
        "filename": f"convention-{convention_id}{suffix}.pdf",
        "final": final,
        "pdf_base64": base64.b64encode(pdf).decode(),
    }
