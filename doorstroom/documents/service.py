"""Submitting and withdrawing documents: the only way documents and their tasks enter the store."""

from __future__ import annotations

from dataclasses import dataclass

from doorstroom.documents.proposal import Attachment, BookingProposal
from doorstroom.store import repository as repo
from doorstroom.store.db import Session, StoreConflict
from doorstroom.store.models import Document, TaskKind


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission: the document, and whether this call created it."""

    document_id: int
    created: bool


def submit(session: Session, dossier_id: int, proposal: BookingProposal,
           files: list[Attachment] | None = None) -> Submitted:
    """Store a document and its post-booking task; the same document twice is stored once.

    Two identical submissions racing each other both pass the first look; the store's unique
    key lets one insert, and the other is told the document was received (it was). The
    session must hold nothing else unsaved: the losing insert is rolled back.
    """
    existing = repo.find_document(session, dossier_id, proposal)
    if existing is not None:
        return Submitted(existing, created=False)
    try:
        return Submitted(repo.add_document(session, dossier_id, proposal, files or []),
                         created=True)
    except StoreConflict:
        session.rollback()
        existing = repo.find_document(session, dossier_id, proposal)
        if existing is None:
            raise
        return Submitted(existing, created=False)


def withdraw(session: Session, document_id: int) -> int:
    """A document withdrawn upstream: queue the task that deletes its booking."""
    document = session.get(Document, document_id)
    if document is None:
        raise LookupError(f"document {document_id} does not exist")
    return repo.queue_task(session, document.dossier_id, TaskKind.DELETE_BOOKING, document_id)


def request_dossier_link(session: Session, dossier_id: int) -> int:
    """Queue the task that links a new dossier to its administration in the package."""
    return repo.queue_task(session, dossier_id, TaskKind.CREATE_DOSSIER)
