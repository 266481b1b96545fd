"""Submitting and withdrawing documents: the only way documents and their tasks enter the store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstroom.documents.proposal import Attachment, BookingProposal
from doorstroom.store.models import Document, DocumentFile, SyncTask, TaskKind, TaskStatus


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission: the document, and whether this call created it."""

    document_id: int
    created: bool


def submit(session: Session, dossier_id: int, proposal: BookingProposal,
           files: list[Attachment] | None = None) -> Submitted:
    """Store a document and its post-booking task; the same document twice is stored once."""
    existing = session.scalar(select(Document.id).where(
        Document.dossier_id == dossier_id, Document.kind == proposal.kind,
        Document.party_vat == proposal.party.vat_number, Document.number == proposal.number))
    if existing is not None:
        return Submitted(existing, created=False)
    document = Document(
        dossier_id=dossier_id, kind=proposal.kind, number=proposal.number,
        issue_date=proposal.issue_date, due_date=proposal.due_date,
        party_name=proposal.party.name, party_vat=proposal.party.vat_number,
        currency=proposal.currency, total_excl=proposal.total_excl,
        total_vat=proposal.total_vat, total_incl=proposal.total_incl,
        proposal=proposal.model_dump(mode="json"),
        files=[DocumentFile(filename=f.filename, media_type=f.media_type, content=f.content,
                            sha256=hashlib.sha256(f.content).hexdigest()) for f in files or []],
    )
    session.add(document)
    session.flush()
    session.add(SyncTask(dossier_id=dossier_id, document_id=document.id,
                         kind=TaskKind.POST_BOOKING, status=TaskStatus.PENDING))
    return Submitted(document.id, created=True)


def withdraw(session: Session, document_id: int) -> int:
    """A document withdrawn upstream: queue the task that deletes its booking."""
    document = session.get(Document, document_id)
    if document is None:
        raise LookupError(f"document {document_id} does not exist")
    task = SyncTask(dossier_id=document.dossier_id, document_id=document_id,
                    kind=TaskKind.DELETE_BOOKING, status=TaskStatus.PENDING)
    session.add(task)
    session.flush()
    return task.id


def request_dossier_link(session: Session, dossier_id: int) -> int:
    """Queue the task that links a new dossier to its administration in the package."""
    task = SyncTask(dossier_id=dossier_id, kind=TaskKind.CREATE_DOSSIER,
                    status=TaskStatus.PENDING)
    session.add(task)
    session.flush()
    return task.id
