"""Submitting and withdrawing documents: the only way documents and their tasks enter the store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from doorstroom.documents.proposal import Attachment, BookingProposal
from doorstroom.store import repository as repo
from doorstroom.store.db import Session, StoreConflict
from doorstroom.store.models import Document, TaskKind


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission: the document, and whether this call created it."""

    document_id: int
    created: bool


class DocumentConflict(Exception):
    """The dossier holds a document with this kind, party and number but other content.

    Nothing is replaced and nothing dropped: the sender is told which stored document and
    which field differ (HTTP 409).
    """

    def __init__(self, document_id: int, field: str) -> None:
        super().__init__(f"document {document_id} has this number from this party with "
                         f"another {field}")
        self.document_id = document_id
        self.field = field


def content_digest(proposal: BookingProposal) -> str:
    """The hash of the normalised proposal: what "the same document" means."""
    canonical = json.dumps(proposal.model_dump(mode="json"), sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _differing_field(stored: dict[str, Any], proposal: BookingProposal) -> str:
    """The first field of the proposal whose stored value differs (``party.vat_number``)."""
    new = proposal.model_dump(mode="json")
    for name, value in new.items():
        old = stored.get(name)
        if isinstance(value, dict) and isinstance(old, dict):
            for sub, sub_value in value.items():
                if old.get(sub) != sub_value:
                    return f"{name}.{sub}"
        elif old != value:
            return name
    return "content"


def _received(existing: Document, proposal: BookingProposal, digest: str) -> Submitted:
    if existing.content_sha256 != digest and content_digest(
            BookingProposal.model_validate(existing.proposal)) != digest:
        # (the second look: a document stored before the proposal gained fields, read
        # through today's model, is the same content if it hashes alike now)
        raise DocumentConflict(existing.id, _differing_field(existing.proposal, proposal))
    return Submitted(existing.id, created=False)


def submit(session: Session, dossier_id: int, proposal: BookingProposal,
           files: list[Attachment] | None = None) -> Submitted:
    """Store a document and its post-booking task; the same document twice is stored once.

    The same kind, party identity and number with the same content is "already received";
    with other content it is a :class:`DocumentConflict`. Two identical submissions racing
    each other both pass the first look; the store's unique key lets one insert, and the
    other is answered from what the winner stored. The session must hold nothing else
    unsaved: the losing insert is rolled back.
    """
    digest = content_digest(proposal)
    existing = repo.find_document(session, dossier_id, proposal)
    if existing is not None:
        return _received(existing, proposal, digest)
    try:
        return Submitted(repo.add_document(session, dossier_id, proposal, files or [], digest),
                         created=True)
    except StoreConflict:
        session.rollback()
        existing = repo.find_document(session, dossier_id, proposal)
        if existing is None:
            raise
        return _received(existing, proposal, digest)


def withdraw(session: Session, document_id: int) -> int:
    """A document withdrawn upstream: queue the task that deletes its booking — once; a
    second withdrawal answers the task of the first."""
    document = session.get(Document, document_id)
    if document is None:
        raise LookupError(f"document {document_id} does not exist")
    return repo.queue_document_task_once(session, document.dossier_id, TaskKind.DELETE_BOOKING,
                                         document_id)


def request_dossier_link(session: Session, dossier_id: int) -> int:
    """Queue the task that links a new dossier to its administration in the package."""
    return repo.queue_task(session, dossier_id, TaskKind.CREATE_DOSSIER)
