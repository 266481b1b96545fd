"""What the monitor's lists read instead of every failed task: per dossier its failed tasks
counted per side (``dossiers.support_failed`` / ``employee_failed``: the active-clients
list) and per cause (``dossier_problems``: the problems view).

At 100,000 dossiers and millions of tasks a page cannot group every failed task each time
it is drawn. So a dossier's summary is rewritten, from its tasks, whenever one of its failed
tasks changes (a task fails, a failed task is restarted or changes cause, owner or VAT
deadline) — in the same transaction, just before it commits. A count never lags its rows,
and a rolled-back change leaves the summary as it was.

SQLAlchemy's session events find the dossiers, whatever wrote the task: the unit of work's
changed objects after each flush, the failed rows of an INSERT statement, and for an UPDATE
statement on ``sync_tasks`` the failed rows it matches before and after it runs. SQL sent
around the session (a benchmark's seeding) is not seen: :func:`rebuild` then.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, cast, delete, event, func, insert, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from doorstroom.store.models import Dossier, DossierProblem, Responsibility, SyncTask, TaskStatus

CHUNK = 500
"""Dossiers summarised per statement."""
WATCHED = ("status", "responsibility", "failure_code", "failure_params", "finished_at",
           "updated_at", "vat_due", "dossier_id")
"""What a failed task's summary is made of: a change to any of them rewrites it."""
_DIRTY = "doorstroom.summaries.dirty"


def refresh(session: Session, dossier_ids: Iterable[int]) -> None:
    """Rewrite the summary of these dossiers from their tasks as this transaction sees them.

    The dossiers' rows are locked first (in id order), so two transactions summarising one
    dossier take turns and the second counts what the first committed.
    """
    ids = sorted(set(dossier_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        _lock(session, chunk)
        session.execute(delete(DossierProblem).where(DossierProblem.dossier_id.in_(chunk)))
        session.execute(insert(DossierProblem).from_select(_PROBLEM_COLUMNS, _causes(chunk)))
        session.execute(update(Dossier).where(Dossier.id.in_(chunk)).values(
            support_failed=_failed(Responsibility.SUPPORT),
            employee_failed=_failed(Responsibility.EMPLOYEE),
        ).execution_options(synchronize_session=False))


def _lock(session: Session, dossier_ids: Iterable[int]) -> None:
    """Lock these dossiers' rows in id order (PostgreSQL; SQLite has one writer anyway).

    Taken before a transaction writes their tasks where it can, so writers meet on the
    dossier first and do not each hold a task the other waits for.
    """
    ids = sorted(set(dossier_ids))
    if ids:
        session.execute(select(Dossier.id).where(Dossier.id.in_(ids)).order_by(Dossier.id)
                        .with_for_update())


def rebuild(session: Session) -> None:
    """Summarise every dossier afresh (after rows were written around the session)."""
    refresh(session, session.scalars(select(Dossier.id)).all())


_PROBLEM_COLUMNS = ["dossier_id", "failure_code", "params_text", "responsibility", "tasks",
                    "since", "due", "first_task_id"]


def _causes(dossier_ids: list[int]) -> Any:
    """The failed tasks of these dossiers grouped by cause, in ``_PROBLEM_COLUMNS`` order."""
    params = cast(SyncTask.failure_params, String)
    return (select(SyncTask.dossier_id, SyncTask.failure_code, params, SyncTask.responsibility,
                   func.count(SyncTask.id),
                   func.min(func.coalesce(SyncTask.finished_at, SyncTask.updated_at)),
                   func.min(SyncTask.vat_due), func.min(SyncTask.id))
            .where(SyncTask.dossier_id.in_(dossier_ids), SyncTask.status == TaskStatus.FAILED,
                   SyncTask.failure_code.is_not(None), SyncTask.responsibility.is_not(None))
            .group_by(SyncTask.dossier_id, SyncTask.failure_code, params,
                      SyncTask.responsibility))


def _failed(responsibility: Responsibility) -> Any:
    """A dossier's failed tasks on one side, as a correlated count."""
    return (select(func.count(SyncTask.id))
            .where(SyncTask.dossier_id == Dossier.id, SyncTask.status == TaskStatus.FAILED,
                   SyncTask.responsibility == responsibility)
            .scalar_subquery())


def _dirty(session: Session) -> set[int]:
    found: set[int] = session.info.setdefault(_DIRTY, set())
    return found


def _touches_failed(task: SyncTask, new_or_gone: bool) -> bool:
    """Whether this flushed change of ``task`` changes what its dossier's summary says."""
    if new_or_gone:
        return task.status == TaskStatus.FAILED
    attributes = inspect(task).attrs
    status = attributes.status.history
    if TaskStatus.FAILED in (*status.added, *status.deleted):
        return True
    return task.status == TaskStatus.FAILED and any(
        attributes[name].history.has_changes() for name in WATCHED)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: UOWTransaction) -> None:
    """Dossiers whose failed tasks this flush changed (ids are known after a flush)."""
    dirty = _dirty(session)
    for objects, new_or_gone in ((session.new, True), (session.deleted, True),
                                 (session.dirty, False)):
        dirty.update(task.dossier_id for task in objects
                     if isinstance(task, SyncTask) and _touches_failed(task, new_or_gone))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> Any:
    """An INSERT, UPDATE or DELETE statement on ``sync_tasks``: the dossiers of the failed
    rows it inserts, or of those it matches before it runs (rows leaving failed) and after
    (rows that became failed)."""
    if state.bind_mapper is not inspect(SyncTask):
        return None
    if state.is_insert:
        sent = state.parameters
        rows: list[Any] = list(sent) if isinstance(sent, list | tuple) else [sent]
        _dirty(state.session).update(row["dossier_id"] for row in rows if row
                                     and row.get("status") == TaskStatus.FAILED)
        return None
    if not (state.is_update or state.is_delete):
        return None
    where = state.statement.whereclause  # type: ignore[attr-defined]
    failed = select(SyncTask.dossier_id).distinct().where(SyncTask.status == TaskStatus.FAILED)
    if where is not None:
        failed = failed.where(where)
    dirty = _dirty(state.session)
    leaving = set(state.session.scalars(failed))
    _lock(state.session, leaving - dirty)
    dirty.update(leaving)
    result = state.invoke_statement()
    if state.is_update:
        dirty.update(state.session.scalars(failed))
    return result


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    """Summarise the dossiers this transaction touched, inside it (their rows locked before
    the last changes to their tasks are flushed)."""
    _lock(session, {task.dossier_id for task in (*session.new, *session.dirty)
                    if isinstance(task, SyncTask) and task.dossier_id is not None
                    and _touches_failed(task, task in session.new)} - _dirty(session))
    session.flush()
    dirty = session.info.pop(_DIRTY, set())
    if dirty:
        refresh(session, dirty)
