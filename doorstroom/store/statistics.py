"""The rows time-to-fix is computed from: failed tasks that were fixed, and those still open,
within what a viewer may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from doorstroom.store.db import as_utc
from doorstroom.store.models import Dossier, Office, SyncTask, TaskStatus
from doorstroom.store.queries import Viewer, visible_dossiers


@dataclass(frozen=True)
class FailedTask:
    """One task that failed: who had to act, where, and the three moments of its fix."""

    responsibility: str
    package: str
    office: str
    failed_at: datetime
    acted_at: datetime | None
    done_at: datetime | None
    """``None`` while it is still failed (or queued again after a restart)."""


def _rows(session: Session, viewer: Viewer, *where: ColumnElement[bool]) -> list[FailedTask]:
    query = (select(SyncTask.failed_as, Dossier.package, Office.name, SyncTask.first_failed_at,
                    SyncTask.acted_at, SyncTask.finished_at, SyncTask.status)
             .join(Dossier, Dossier.id == SyncTask.dossier_id)
             .join(Office, Office.id == Dossier.office_id)
             .where(SyncTask.first_failed_at.is_not(None), SyncTask.failed_as.is_not(None),
                    SyncTask.dossier_id.in_(visible_dossiers(viewer)), *where))
    return [FailedTask(str(who), package, office, as_utc(failed),
                       as_utc(acted) if acted else None,
                       as_utc(done) if status == TaskStatus.DONE and done else None)
            for who, package, office, failed, acted, done, status in session.execute(query)
            if who is not None and failed is not None]


def fixed_since(session: Session, viewer: Viewer, since: datetime) -> list[FailedTask]:
    """Tasks that failed and were done at or after ``since``."""
    return _rows(session, viewer, SyncTask.status == TaskStatus.DONE,
                 SyncTask.finished_at >= since)


def still_open(session: Session, viewer: Viewer) -> list[FailedTask]:
    """Tasks that failed and are not done yet (failed, or queued again after a restart)."""
    return _rows(session, viewer, SyncTask.status != TaskStatus.DONE)
