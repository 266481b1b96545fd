"""Retention: a booked document old enough lets go of its files and attempts, in batches;
it keeps its identity (still "already received", never booked twice) and its booking's
reference; anything unfinished or recent keeps everything."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from doorstroom.documents.service import submit
from doorstroom.store.db import session_scope
from doorstroom.store.models import (
    Attempt,
    DocumentFile,
    SyncTask,
    TaskStatus,
    utcnow,
)
from flows.retention import prune_store
from tests.helpers import A_PDF, a_dossier, a_proposal, an_office, documents_for


def booked(task_ids: list[int], days_ago: int) -> None:
    """The tasks were done (after one attempt each) ``days_ago`` days ago."""
    with session_scope() as session:
        for task_id in task_ids:
            session.add(Attempt(sync_task_id=task_id, outcome="done"))
        session.execute(update(SyncTask).where(SyncTask.id.in_(task_ids)).values(
            status=TaskStatus.DONE, external_ref="REF",
            finished_at=utcnow() - timedelta(days=days_ago)))


def counts(task_ids: list[int] | None = None) -> tuple[int, int]:
    """Attempts and files left of these tasks' documents (of the whole store: ``None``)."""
    attempts = select(func.count()).select_from(Attempt)
    files = select(func.count()).select_from(DocumentFile)
    if task_ids is not None:
        attempts = attempts.where(Attempt.sync_task_id.in_(task_ids))
        files = files.join(SyncTask, SyncTask.document_id == DocumentFile.document_id).where(
            SyncTask.id.in_(task_ids))
    with session_scope() as session:
        return session.scalar(attempts) or 0, session.scalar(files) or 0


def test_old_booked_documents_lose_files_and_attempts_in_batches_and_nothing_else(
        store_url: str) -> None:
    dossier = a_dossier(an_office(), "Bewaartermijn BV", 0, "b")
    proposals = [a_proposal(f"OLD-{n}") for n in range(7)]
    old = documents_for(dossier, proposals)
    recent = documents_for(dossier, [a_proposal("NEW-1")])
    waiting = documents_for(dossier, [a_proposal("WAIT-1")])
    booked(old, days_ago=120)
    booked(recent, days_ago=10)

    before = counts()
    removed = prune_store(utcnow() - timedelta(days=90), batch=3)
    after = counts()

    # exactly what left the store (ours, and whatever earlier tests left that old)
    assert removed == (before[0] - after[0], before[1] - after[1])
    assert removed[0] >= 7 and removed[1] >= 7
    assert counts(old) == (0, 0)
    assert counts(recent) == (1, 1) and counts(waiting) == (0, 1)
    with session_scope() as session:  # the same document again: received, not booked again
        again = submit(session, dossier, proposals[0], [A_PDF])
        refs = set(session.scalars(select(SyncTask.external_ref).where(SyncTask.id.in_(old))))
    assert again.created is False and refs == {"REF"}
    assert prune_store(utcnow() - timedelta(days=90)) == (0, 0)
