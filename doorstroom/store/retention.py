"""Retention: what the store lets go of once a document is booked and old enough.

A booked document keeps its row (its identity and content hash answer "already received"
for ever, so it is never booked twice) and its tasks (the booking's reference, for a later
withdrawal). What goes: the stored files (the PDF and UBL, most of the bytes) and the
attempts of finished tasks. Each call removes one batch in its own short transaction, so
the monitor's queries never wait long behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from doorstroom.store.models import Attempt, DocumentFile, SyncTask, TaskStatus


@dataclass(frozen=True)
class Pruned:
    """What one batch removed."""

    attempts: int
    files: int

    @property
    def any(self) -> bool:
        """Whether the batch found anything (else the pruning is done)."""
        return bool(self.attempts or self.files)


def prune_batch(session: Session, before: datetime, batch: int = 500) -> Pruned:
    """Remove up to ``batch`` attempts of tasks done before ``before``, and up to ``batch``
    files of documents whose every task was done before ``before``."""
    attempts = list(session.scalars(
        select(Attempt.id).join(SyncTask, SyncTask.id == Attempt.sync_task_id)
        .where(SyncTask.status == TaskStatus.DONE, SyncTask.finished_at < before)
        .limit(batch)))
    unfinished_or_recent = exists().where(
        SyncTask.document_id == DocumentFile.document_id,
        (SyncTask.status != TaskStatus.DONE) | (SyncTask.finished_at >= before))
    booked = exists().where(SyncTask.document_id == DocumentFile.document_id)
    files = list(session.scalars(select(DocumentFile.id).where(booked, ~unfinished_or_recent)
                                 .limit(batch)))
    if attempts:
        session.execute(delete(Attempt).where(Attempt.id.in_(attempts)))
    if files:
        session.execute(delete(DocumentFile).where(DocumentFile.id.in_(files)))
    return Pruned(len(attempts), len(files))
