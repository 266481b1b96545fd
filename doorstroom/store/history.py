"""What happened to one task, for its page: attempts, restarts of its runs, urgency; and its
document's stored files, each served only to who may see the task."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstroom.store.models import Attempt, AuditEntry, DocumentFile, RunRestart, SyncTask
from doorstroom.store.queries import Viewer, visible_dossiers


@dataclass(frozen=True)
class TaskHistory:
    """A task's attempts, the restarts of the runs that ran it, and who marked it urgent."""

    attempts: list[Attempt]
    restarts: list[RunRestart]
    escalations: list[AuditEntry]
    choices: list[AuditEntry]
    """Who moved the document to another period, and to which."""


@dataclass(frozen=True)
class StoredFile:
    """A file of a document, without its content."""

    id: int
    filename: str
    media_type: str


def task_history(session: Session, task_id: int) -> TaskHistory:
    """Everything recorded about one task, oldest first."""
    attempts = list(session.scalars(select(Attempt).where(Attempt.sync_task_id == task_id)
                                    .order_by(Attempt.started_at, Attempt.id)))
    runs = {attempt.flow_run_id for attempt in attempts if attempt.flow_run_id}
    restarts = list(session.scalars(select(RunRestart).where(RunRestart.flow_run_id.in_(runs))
                                    .order_by(RunRestart.at))) if runs else []
    return TaskHistory(attempts, restarts, _audited(session, "escalate", task_id),
                       _audited(session, "choose_period", task_id))


def _audited(session: Session, action: str, task_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.object_type == "sync_task",
        AuditEntry.object_id == str(task_id)).order_by(AuditEntry.at)))


def files_of(session: Session, document_id: int | None) -> list[StoredFile]:
    """The stored files of a document (names and types only)."""
    if document_id is None:
        return []
    rows = session.execute(select(DocumentFile.id, DocumentFile.filename,
                                  DocumentFile.media_type)
                           .where(DocumentFile.document_id == document_id)
                           .order_by(DocumentFile.id)).all()
    return [StoredFile(*row) for row in rows]


def task_file(session: Session, viewer: Viewer, task_id: int, file_id: int
              ) -> DocumentFile | None:
    """A file of the task's document, or ``None`` if it is not one or the viewer may not see
    the task."""
    return session.scalar(
        select(DocumentFile).join(SyncTask, SyncTask.document_id == DocumentFile.document_id)
        .where(DocumentFile.id == file_id, SyncTask.id == task_id,
               SyncTask.dossier_id.in_(visible_dossiers(viewer))))
