"""The store's state changes and the lookups they need, each a small function over a session.

Every write of Doorstroom is here; the pages' and e-mails' reads are in ``queries.py``.
Nothing outside ``store/`` writes SQL (import-linter forbids SQLAlchemy there): callers get a
session from ``db.session_scope`` — the unit of work — and call these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from doorstroom.documents.proposal import (
    Attachment,
    BookingProposal,
    BookingRequest,
    MasterData,
)
from doorstroom.failures import Responsibility, SyncFailure
from doorstroom.store.db import as_utc
from doorstroom.store.models import (
    Attempt,
    AuditEntry,
    Document,
    DocumentFile,
    Dossier,
    DossierRight,
    MasterRecord,
    Office,
    Probe,
    RunRestart,
    SyncTask,
    TaskKind,
    TaskStatus,
    User,
    UserRole,
    utcnow,
)
from doorstroom.vat_calendar import vat_return

LEASE = timedelta(minutes=15)
"""How long an execution that stopped answering keeps a task from others; an attempt's
calls are bounded well below it (HTTP timeouts, a rate-limit slot waits at most 5 minutes)."""
OUTSIDE_RESTART = "Prefect UI"
"""Who restarted a run that was retried past Doorstroom's restart (the actor we can know)."""
OPEN_STATUSES = (TaskStatus.PENDING, TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.FAILED)
AUTOMATIC_ACTORS = ("auto-recheck", "recover-interrupted")
"""Restarts Doorstroom makes by itself (with ``incident #<id>``): not a person acting."""


def by_person(actor: str) -> bool:
    """Whether a restart's actor is a person (a user, the CLI, the Prefect UI): the moment a
    person acts on a failed task is where support's and the office's part of time-to-fix
    ends."""
    return actor not in AUTOMATIC_ACTORS and not actor.startswith("incident #")


@dataclass(frozen=True)
class PendingDossier:
    """A dossier with tasks waiting to be dispatched, and a key that names that batch."""

    dossier_id: int
    task_ids: tuple[int, ...]

    @property
    def batch_key(self) -> str:
        """Stable for the same set of tasks: reused as Prefect's idempotency key."""
        digest = hashlib.sha1(",".join(map(str, self.task_ids)).encode()).hexdigest()[:16]
        return f"sync-dossier-{self.dossier_id}-{digest}"


def pending_dossiers(session: Session, limit: int = 1000,
                     dossier_ids: Sequence[int] | None = None) -> list[PendingDossier]:
    """Dossiers whose tasks are pending (never dispatched), oldest first; only
    ``dossier_ids`` when given."""
    query = (select(SyncTask.dossier_id, SyncTask.id)
             .where(SyncTask.status == TaskStatus.PENDING)
             .order_by(SyncTask.dossier_id, SyncTask.id))
    if dossier_ids is not None:
        query = query.where(SyncTask.dossier_id.in_(dossier_ids))
    rows = session.execute(query).all()
    grouped: dict[int, list[int]] = {}
    for dossier_id, task_id in rows:
        grouped.setdefault(dossier_id, []).append(task_id)
    return [PendingDossier(d, tuple(ids)) for d, ids in list(grouped.items())[:limit]]


def run_waiting_to_start(session: Session, dossier_id: int) -> str | None:
    """A run of the dossier that holds queued tasks but has not begun any: when it starts it
    takes the dossier's pending tasks too, so new work needs no run of its own."""
    started = select(Attempt.id).where(Attempt.flow_run_id == SyncTask.last_flow_run_id)
    return session.scalars(
        select(SyncTask.last_flow_run_id)
        .where(SyncTask.dossier_id == dossier_id, SyncTask.status == TaskStatus.QUEUED,
               SyncTask.last_flow_run_id.is_not(None), ~started.exists())
        .limit(1)).first()


def assign_to_run(session: Session, task_ids: Sequence[int], flow_run_id: str) -> None:
    """Hand pending tasks to a flow run (they show as queued until it starts them)."""
    session.execute(
        update(SyncTask)
        .where(SyncTask.id.in_(task_ids), SyncTask.status == TaskStatus.PENDING)
        .values(status=TaskStatus.QUEUED, last_flow_run_id=flow_run_id, updated_at=utcnow())
    )


def claim_for_run(session: Session, dossier_id: int, flow_run_id: str) -> list[SyncTask]:
    """The unfinished tasks of this run: its own, plus the dossier's unassigned pending ones.

    After a restart (Prefect retry of the same flow run) this returns exactly the tasks that
    did not finish, so the re-run never touches what is done. Failed tasks of the run that
    nobody requeued were retried past Doorstroom (the Prefect UI's Retry button, Prefect's
    API): they are recorded as restarted by :data:`OUTSIDE_RESTART`, with an audit line.
    """
    outside = list(session.scalars(select(SyncTask.id).where(
        SyncTask.last_flow_run_id == flow_run_id, SyncTask.status == TaskStatus.FAILED)))
    if outside:
        session.execute(update(SyncTask).where(SyncTask.id.in_(outside)).values(
            restarted_by=OUTSIDE_RESTART, updated_at=utcnow()))
        audit(session, OUTSIDE_RESTART, "restart", "flow_run", flow_run_id, {"tasks": outside})
    session.execute(
        update(SyncTask)
        .where(SyncTask.dossier_id == dossier_id, SyncTask.status == TaskStatus.PENDING)
        .values(status=TaskStatus.QUEUED, last_flow_run_id=flow_run_id, updated_at=utcnow())
    )
    tasks = session.scalars(
        select(SyncTask)
        .where(SyncTask.dossier_id == dossier_id, SyncTask.last_flow_run_id == flow_run_id,
               SyncTask.status != TaskStatus.DONE)
        .order_by(SyncTask.kind != TaskKind.CREATE_DOSSIER, SyncTask.id)
        .options(selectinload(SyncTask.document))  # the run names its tasks after them
    ).all()
    return list(tasks)


def start_attempt(session: Session, task_id: int, flow_run_id: str | None,
                  task_run_id: str | None, *, force: bool = False) -> int | None:
    """Take the task's lease, mark it running and record an attempt; return the attempt's id.

    ``None`` when the task is done, or when another execution holds a live lease on it: two
    executions of one task can never call the package at once, whatever restarted what. The
    lease is taken in one conditional UPDATE, so of two executions racing, one wins.
    ``force`` takes it anyway, for an owner known to be gone (its run crashed or ended).
    """
    now = utcnow()
    owner = task_run_id or f"run:{flow_run_id}"
    free = or_(SyncTask.lease_owner.is_(None), SyncTask.lease_owner == owner,
               SyncTask.lease_expires_at < now)
    taken = session.execute(
        update(SyncTask)
        .where(SyncTask.id == task_id, SyncTask.status != TaskStatus.DONE,
               *([] if force else [free]))
        .values(status=TaskStatus.RUNNING, attempts=SyncTask.attempts + 1,
                lease_owner=owner, lease_expires_at=now + LEASE, updated_at=now,
                last_flow_run_id=func.coalesce(flow_run_id, SyncTask.last_flow_run_id))
        .execution_options(synchronize_session=False))
    if _rowcount(taken) == 0:
        return None
    attempt = Attempt(sync_task_id=task_id, flow_run_id=flow_run_id, task_run_id=task_run_id)
    session.add(attempt)
    session.flush()
    return attempt.id


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def tasks_by_id(session: Session, task_ids: Sequence[int]) -> list[SyncTask]:
    """These sync tasks, in the order of ``task_ids``."""
    found = {task.id: task for task in session.scalars(
        select(SyncTask).where(SyncTask.id.in_(task_ids))
        .options(selectinload(SyncTask.document)))}  # one query for all, not one a task
    return [found[task_id] for task_id in task_ids if task_id in found]


def task_status(session: Session, task_id: int) -> TaskStatus:
    """A task's status as the store has it now."""
    return session.scalars(select(SyncTask.status).where(SyncTask.id == task_id)).one()


def failure_of(session: Session, task_id: int) -> tuple[str | None, dict[str, Any]]:
    """The failure code and parameters a task carries now (``None`` when it is not failed)."""
    row = session.execute(select(SyncTask.failure_code, SyncTask.failure_params).where(
        SyncTask.id == task_id, SyncTask.status == TaskStatus.FAILED)).first()
    return (row[0], row[1] or {}) if row else (None, {})


def finish_done(session: Session, task_id: int, attempt_id: int,
                external_ref: str | None) -> None:
    """The attempt succeeded: the task is done."""
    task = session.get_one(SyncTask, task_id)
    task.status = TaskStatus.DONE
    task.lease_owner = task.lease_expires_at = None
    task.responsibility = None
    task.urgent = False  # urgent is a request to support; a done task asks nothing
    task.claimed_by = task.claimed_at = None
    task.failure_code = None
    task.failure_params = None
    task.finished_at = utcnow()
    if task.kind == TaskKind.CREATE_DOSSIER:
        task.dossier.linked_at = utcnow()
    elif task.kind == TaskKind.POST_BOOKING and external_ref is not None:
        task.external_ref = external_ref
    _close_attempt(session, attempt_id, "done", None, None)


def finish_failed(session: Session, task_id: int, attempt_id: int, error: SyncFailure) -> None:
    """The attempt ended in a classified failure that needs a person."""
    task = session.get_one(SyncTask, task_id)
    task.status = TaskStatus.FAILED
    task.lease_owner = task.lease_expires_at = None
    task.responsibility = task.failed_as = error.responsibility
    task.failure_code = error.code.name
    task.failure_params = dict(error.params)
    task.finished_at = utcnow()
    task.first_failed_at = task.first_failed_at or task.finished_at
    _close_attempt(session, attempt_id, error.state_name, error.code.name, error.detail)


def note_transient(session: Session, task_id: int, attempt_id: int, error: SyncFailure) -> None:
    """The attempt failed transiently; Prefect retries it, the task stays running."""
    _close_attempt(session, attempt_id, "transient", error.code.name, error.detail)


def _close_attempt(session: Session, attempt_id: int, outcome: str, code: str | None,
                   detail: str | None) -> None:
    attempt = session.get_one(Attempt, attempt_id)
    attempt.finished_at = utcnow()
    attempt.outcome = outcome
    attempt.failure_code = code
    attempt.detail = (detail or "")[:2000] or None


def add_restart(session: Session, flow_run_id: str, from_state_id: str, from_state: str,
                actor: str) -> None:
    """Record a restart of a run out of one state; the caller's commit raises
    :class:`StoreConflict` when another restart of that state was recorded first."""
    session.add(RunRestart(flow_run_id=flow_run_id, from_state_id=from_state_id,
                           from_state=from_state[:64], actor=actor[:254]))
    session.flush()


def last_restart(session: Session, flow_run_id: str) -> str | None:
    """Who restarted a run last, if anyone did."""
    return session.scalar(select(RunRestart.actor).where(RunRestart.flow_run_id == flow_run_id)
                          .order_by(RunRestart.id.desc()).limit(1))


def run_has_open_tasks(session: Session, flow_run_id: str) -> bool:
    """Whether a flow run still holds a task that is queued or being worked on."""
    return session.scalar(select(SyncTask.id).where(
        SyncTask.last_flow_run_id == flow_run_id,
        SyncTask.status.in_((TaskStatus.QUEUED, TaskStatus.RUNNING))).limit(1)) is not None


def runs_with_all_tasks_done(session: Session, flow_run_ids: Collection[str]) -> set[str]:
    """Those of these flow runs that hold sync tasks, every one of them done: runs whose work
    is complete, whatever Prefect says of them."""
    if not flow_run_ids:
        return set()
    open_tasks = func.sum(case((SyncTask.status != TaskStatus.DONE, 1), else_=0))
    return {str(run_id) for run_id in session.scalars(
        select(SyncTask.last_flow_run_id)
        .where(SyncTask.last_flow_run_id.in_(list(flow_run_ids)))
        .group_by(SyncTask.last_flow_run_id).having(open_tasks == 0))}


def failed_runs_of(session: Session, task_ids: Sequence[int]) -> list[str]:
    """The flow runs that last ran these tasks, for those of them that are failed."""
    return sorted(set(session.scalars(select(SyncTask.last_flow_run_id).where(
        SyncTask.id.in_(task_ids), SyncTask.status == TaskStatus.FAILED,
        SyncTask.last_flow_run_id.is_not(None)))))


def restart_of(session: Session, flow_run_id: str, from_state_id: str) -> RunRestart | None:
    """Who restarted a run out of this state, if anyone did."""
    return session.scalar(select(RunRestart).where(RunRestart.flow_run_id == flow_run_id,
                                                   RunRestart.from_state_id == from_state_id))


def requeue_for_restart(session: Session, flow_run_id: str, actor: str,
                        user_id: int | None = None) -> list[int]:
    """Unfinished tasks of a flow run go back to queued; the restart is audited.

    Called only by the winner of :func:`add_restart`. The run is failed or crashed, so no
    execution of it is alive: its leases are released.
    """
    task_ids = list(session.scalars(
        select(SyncTask.id).where(SyncTask.last_flow_run_id == flow_run_id,
                                  SyncTask.status != TaskStatus.DONE)
    ))
    session.execute(
        update(SyncTask).where(SyncTask.id.in_(task_ids)).values(
            status=TaskStatus.QUEUED, responsibility=None, failure_code=None,
            failure_params=None, restarted_by=actor[:254], updated_at=utcnow(),
            lease_owner=None, lease_expires_at=None)
    )
    if by_person(actor):
        mark_acted(session, task_ids)
    audit(session, actor, "restart", "flow_run", flow_run_id, {"tasks": task_ids}, user_id)
    return task_ids


def mark_acted(session: Session, task_ids: Sequence[int]) -> None:
    """A person acted on these failed tasks now (the first time counts)."""
    session.execute(update(SyncTask).where(
        SyncTask.id.in_(task_ids), SyncTask.first_failed_at.is_not(None),
        SyncTask.acted_at.is_(None)).values(acted_at=utcnow())
        .execution_options(synchronize_session=False))


def queue_master_data_refresh(session: Session, dossier_ids: Sequence[int] | None) -> list[int]:
    """A pending master-data refresh for each dossier that has none waiting yet."""
    waiting = set(session.scalars(select(SyncTask.dossier_id).where(
        SyncTask.kind == TaskKind.REFRESH_MASTER_DATA, SyncTask.status != TaskStatus.DONE)))
    query = select(Dossier.id).order_by(Dossier.id)
    if dossier_ids is not None:
        query = query.where(Dossier.id.in_(dossier_ids))
    tasks = [SyncTask(dossier_id=dossier_id, kind=TaskKind.REFRESH_MASTER_DATA,
                      status=TaskStatus.PENDING)
             for dossier_id in session.scalars(query) if dossier_id not in waiting]
    session.add_all(tasks)
    session.flush()
    return [task.id for task in tasks]


def replace_master_data(session: Session, dossier_id: int, data: MasterData) -> int:
    """Store a dossier's master data as read just now (what is gone from the package goes)."""
    session.execute(delete(MasterRecord).where(MasterRecord.dossier_id == dossier_id))
    records = [MasterRecord(dossier_id=dossier_id, kind=kind, code=item.code[:100],
                            name=item.name[:200], extra=dict(item.extra))
               for kind, items in data.kinds().items() for item in items]
    session.add_all(records)
    return len(records)


def unfinished_by_run(session: Session) -> dict[str, list[int]]:
    """Queued or running tasks, grouped by the flow run that holds them."""
    rows = session.execute(select(SyncTask.last_flow_run_id, SyncTask.id).where(
        SyncTask.status.in_([TaskStatus.QUEUED, TaskStatus.RUNNING]),
        SyncTask.last_flow_run_id.is_not(None)))
    grouped: dict[str, list[int]] = {}
    for run_id, task_id in rows:
        grouped.setdefault(str(run_id), []).append(task_id)
    return grouped


@dataclass(frozen=True)
class ProbeCandidate:
    """An orange task whose cause a connector may be able to see gone."""

    task_id: int
    flow_run_id: str
    code: str
    dossier_id: int
    dossier_name: str
    package: str
    external_id: str
    connection_block: str


def probe_candidates(session: Session, codes: Sequence[str],
                     limit: int = 500) -> list[ProbeCandidate]:
    """Orange tasks with one of ``codes`` that a retry of their run could finish."""
    rows = session.execute(
        select(SyncTask.id, SyncTask.last_flow_run_id, SyncTask.failure_code, Dossier.id,
               Dossier.name, Dossier.package, Dossier.external_id, Dossier.connection_block)
        .join(Dossier, Dossier.id == SyncTask.dossier_id)
        .where(SyncTask.status == TaskStatus.FAILED,
               SyncTask.responsibility == Responsibility.EMPLOYEE,
               SyncTask.failure_code.in_(codes), SyncTask.last_flow_run_id.is_not(None))
        .order_by(Dossier.id, SyncTask.id).limit(limit))
    return [ProbeCandidate(row[0], str(row[1]), str(row[2]), *row[3:]) for row in rows]


def record_probe(session: Session, dossier_id: int, outcome: str, at: datetime) -> None:
    """Remember one look of auto-recheck at a dossier."""
    session.add(Probe(dossier_id=dossier_id, outcome=outcome, at=at))


def recent_probes(session: Session, dossier_ids: Sequence[int],
                  since: datetime) -> dict[int, list[tuple[datetime, str]]]:
    """Each dossier's probes since ``since``, newest first."""
    rows = session.execute(select(Probe.dossier_id, Probe.at, Probe.outcome).where(
        Probe.dossier_id.in_(dossier_ids), Probe.at >= since).order_by(Probe.at.desc()))
    history: dict[int, list[tuple[datetime, str]]] = {}
    for dossier_id, at, outcome in rows:
        history.setdefault(dossier_id, []).append((as_utc(at), outcome))
    return history


def restarts_of_run(session: Session, flow_run_id: str, actor: str) -> int:
    """How often ``actor`` restarted this flow run."""
    return session.scalar(select(func.count()).select_from(RunRestart).where(
        RunRestart.flow_run_id == flow_run_id, RunRestart.actor == actor)) or 0


def mark_urgent(session: Session, task: SyncTask, who: str, reason: str | None) -> None:
    """Who asked support to hurry, when and why."""
    task.urgent, task.urgent_by, task.urgent_at, task.urgent_reason = True, who, utcnow(), reason


def set_claim(session: Session, task: SyncTask, who: str | None) -> None:
    """The support agent who handles the task (``None``: nobody)."""
    task.claimed_by, task.claimed_at = who, (utcnow() if who else None)
    if who and task.acted_at is None:
        task.acted_at = task.claimed_at


def set_support_note(session: Session, task: SyncTask, who: str, note: str | None) -> None:
    """Support's note to the office (``None``: removed)."""
    task.support_note = note
    task.support_note_by, task.support_note_at = (who, utcnow()) if note else (None, None)
    if note and task.acted_at is None:
        task.acted_at = task.support_note_at


def audit(session: Session, actor: str, action: str, object_type: str, object_id: str,
          detail: dict[str, Any] | None = None, user_id: int | None = None) -> None:
    """Append to the audit log."""
    session.add(AuditEntry(actor=actor, action=action, object_type=object_type,
                           object_id=object_id, detail=detail, user_id=user_id))


def dossier(session: Session, dossier_id: int) -> Dossier | None:
    """A dossier by id."""
    return session.get(Dossier, dossier_id)


def booking_request(session: Session, task: SyncTask) -> BookingRequest:
    """The connector's input for a post-booking task: the proposal and the stored files."""
    document = task.document
    if document is None:
        raise ValueError(f"sync task {task.id} has no document")
    proposal = BookingProposal.model_validate(document.proposal)
    if task.period_override:
        proposal = proposal.moved_to(task.period_override)
    return BookingRequest(
        document_id=document.id,
        proposal=proposal,
        attachments=[Attachment(filename=f.filename, media_type=f.media_type, content=f.content)
                     for f in document.files],
    )


def booked_ref(session: Session, document_id: int | None) -> str | None:
    """The package's reference of a document's booking, from its done post-booking task."""
    return session.scalar(
        select(SyncTask.external_ref).where(
            SyncTask.document_id == document_id, SyncTask.kind == TaskKind.POST_BOOKING,
            SyncTask.status == TaskStatus.DONE)
    )


# --- documents -------------------------------------------------------------------------------
def find_document(session: Session, dossier_id: int,
                  proposal: BookingProposal) -> Document | None:
    """The document already stored for this dossier with the same kind, party, number."""
    return session.scalar(select(Document).where(
        Document.dossier_id == dossier_id, Document.kind == proposal.kind,
        Document.party_key == proposal.party.identity, Document.number == proposal.number))


def add_document(session: Session, dossier_id: int, proposal: BookingProposal,
                 files: Sequence[Attachment], content_sha256: str) -> int:
    """Store a document with its files and queue its post-booking task; return its id."""
    document = Document(
        dossier_id=dossier_id, kind=proposal.kind, number=proposal.number,
        issue_date=proposal.issue_date, due_date=proposal.due_date,
        party_name=proposal.party.name, party_vat=proposal.party.vat_number,
        party_key=proposal.party.identity, content_sha256=content_sha256,
        currency=proposal.currency, total_excl=proposal.total_excl,
        total_vat=proposal.total_vat, total_incl=proposal.total_incl,
        proposal=proposal.model_dump(mode="json"),
        **_deadline(proposal.period, session.get_one(Dossier, dossier_id).vat_filing),
        files=[DocumentFile(filename=f.filename, media_type=f.media_type, content=f.content,
                            sha256=hashlib.sha256(f.content).hexdigest()) for f in files],
    )
    session.add(document)
    session.flush()
    queue_task(session, dossier_id, TaskKind.POST_BOOKING, document.id)
    return document.id


def _deadline(period: str, filing: str | None) -> dict[str, Any]:
    """The document's VAT return and its due date, for a booking in ``period``."""
    found = vat_return(period, filing)
    return {"vat_return": found.key if found else None, "vat_due": found.due if found else None}


def booking_period(document: Document, override: str | None = None) -> str:
    """The book period a document is (to be) booked in: a chosen one, else its own."""
    return override or BookingProposal.model_validate(document.proposal).period


def set_vat_filing(session: Session, dossier_id: int, filing: str | None) -> int:
    """A dossier's VAT filing frequency; every document of it gets its return and due date
    again. Return how many documents."""
    dossier_row = session.get_one(Dossier, dossier_id)
    dossier_row.vat_filing = filing
    documents = list(session.scalars(select(Document).where(Document.dossier_id == dossier_id)))
    overrides = {document_id: period for document_id, period in session.execute(
        select(SyncTask.document_id, SyncTask.period_override).where(
            SyncTask.dossier_id == dossier_id, SyncTask.period_override.is_not(None)))}
    for document in documents:
        for key, value in _deadline(booking_period(document, overrides.get(document.id)),
                                    filing).items():
            setattr(document, key, value)
    _copy_deadline(session, SyncTask.dossier_id == dossier_id)
    return len(documents)


def choose_period(session: Session, task: SyncTask, period: str) -> None:
    """Book ``task``'s document in ``period`` instead of its own (a person's choice); its
    VAT return and due date follow the period."""
    task.period_override = period
    if task.document is not None:
        for key, value in _deadline(period, task.dossier.vat_filing).items():
            setattr(task.document, key, value)
        _copy_deadline(session, SyncTask.document_id == task.document_id)


def _copy_deadline(session: Session, which: Any) -> None:
    """The tasks matching ``which`` take their document's VAT due date again (they keep a
    copy, so the queues are ordered by an index of the tasks)."""
    session.flush()
    session.execute(update(SyncTask).where(which, SyncTask.document_id.is_not(None)).values(
        vat_due=select(Document.vat_due).where(Document.id == SyncTask.document_id)
        .scalar_subquery()))


def queue_task(session: Session, dossier_id: int, kind: TaskKind,
               document_id: int | None = None) -> int:
    """A new pending sync task; return its id."""
    # the document is usually in the session already (just stored): no query then
    document = session.get(Document, document_id) if document_id is not None else None
    due = document.vat_due if document is not None else None
    task = SyncTask(dossier_id=dossier_id, document_id=document_id, kind=kind,
                    status=TaskStatus.PENDING, vat_due=due)
    session.add(task)
    session.flush()
    return task.id


def queue_document_task_once(session: Session, dossier_id: int, kind: TaskKind,
                             document_id: int) -> int:
    """The document's task of this kind: the one queued before, else a new one.

    A no-op write on the document first takes its lock (PostgreSQL: the row; SQLite: the
    database), so two callers racing each other are served one after the other and the
    second finds the first's task.
    """
    session.execute(update(Document).where(Document.id == document_id)
                    .values(id=Document.id))
    queued = session.scalar(select(SyncTask.id).where(
        SyncTask.document_id == document_id, SyncTask.kind == kind
    ).order_by(SyncTask.id).limit(1))
    return queued if queued is not None else queue_task(session, dossier_id, kind, document_id)


def master_periods(session: Session, dossier_id: int) -> list[MasterRecord]:
    """The book periods of a dossier's master data, as the package last told us."""
    return master_periods_of(session, [dossier_id]).get(dossier_id, [])


def master_periods_of(session: Session,
                      dossier_ids: Iterable[int]) -> dict[int, list[MasterRecord]]:
    """The book periods of several dossiers at once (one query for a page of tasks)."""
    found: dict[int, list[MasterRecord]] = {}
    ids = sorted(set(dossier_ids))
    if not ids:
        return found
    for record in session.scalars(select(MasterRecord).where(
            MasterRecord.dossier_id.in_(ids), MasterRecord.kind == "period")
            .order_by(MasterRecord.dossier_id, MasterRecord.code)):
        found.setdefault(record.dossier_id, []).append(record)
    return found


def party_records(session: Session, dossier_id: int) -> list[MasterRecord]:
    """The parties of a dossier's master data, as the package last told us."""
    return list(session.scalars(select(MasterRecord).where(
        MasterRecord.dossier_id == dossier_id, MasterRecord.kind == "party")))


# --- offices, dossiers and people ------------------------------------------------------------
def add_office(session: Session, name: str, language: str = "nl") -> int:
    """A new office; return its id."""
    office = Office(name=name, language=language)
    session.add(office)
    session.flush()
    return office.id


def add_dossier(session: Session, office_id: int, name: str, package: str, external_id: str,
                connection_block: str) -> int:
    """A new dossier of an office, linked to one administration of one package."""
    dossier = Dossier(office_id=office_id, name=name, package=package,
                      external_id=external_id, connection_block=connection_block)
    session.add(dossier)
    session.flush()
    return dossier.id


def set_office_token(session: Session, office_id: int, token_sha256: str) -> None:
    """Replace an office's API token (only its digest is kept)."""
    session.get_one(Office, office_id).api_token_sha256 = token_sha256


def office_for_token(session: Session, token_sha256: str) -> int | None:
    """The office whose API token has this digest."""
    return session.scalar(select(Office.id).where(Office.api_token_sha256 == token_sha256))


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this e-mail address (case-insensitive)."""
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def dossiers_of_office(session: Session, office_id: int, dossier_ids: Sequence[int]) -> set[int]:
    """Which of ``dossier_ids`` belong to the office."""
    return set(session.scalars(select(Dossier.id).where(
        Dossier.office_id == office_id, Dossier.id.in_(dossier_ids))))


def dossier_ids_named(session: Session, office_id: int, names: Sequence[str]) -> list[int]:
    """The ids of an office's dossiers with these names."""
    return list(session.scalars(select(Dossier.id).where(
        Dossier.office_id == office_id, Dossier.name.in_(names))))


def set_password_hash(session: Session, email: str, password_hash: str) -> bool:
    """Give a user a new password hash; False when no user has this e-mail address."""
    user = user_by_email(session, email)
    if user is None:
        return False
    user.password_hash = password_hash
    return True


def add_user(session: Session, email: str, name: str, role: UserRole, password_hash: str,
             office_id: int | None, dossier_ids: Sequence[int], language: str) -> User:
    """A new user with, for dossier-level users, their dossier rights."""
    user = User(email=email, name=name, role=role, office_id=office_id, language=language,
                password_hash=password_hash)
    session.add(user)
    session.flush()
    session.add_all(DossierRight(user_id=user.id, dossier_id=d) for d in dossier_ids)
    return user
