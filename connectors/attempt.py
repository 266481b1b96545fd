"""One attempt of one sync task: the body shared by every package's Prefect tasks.

Each package's ``tasks.py`` declares its tasks (name, retries, timeout, tags) and calls
:func:`attempt`; this is where a failure becomes a value: transient failures are raised so
that Prefect retries them (honouring Retry-After), until the budget is spent and they become
``retries_exhausted``; everything else ends the task run as
``Failed(name="EmployeeActionRequired" | "SupportRequired", message=<instruction>)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.context import TaskRunContext
from prefect.states import Completed, Failed, State

from connectors.base import Connector
from doorstroom.clock import SYSTEM, Clock
from doorstroom.documents.proposal import BookingRequest, MasterData
from doorstroom.failures import SyncFailure, TransientFailure, failure, operator_text
from doorstroom.failures import codes as c
from doorstroom.prefect_api import ORCHESTRATOR_ERRORS
from doorstroom.store import repository as repo
from doorstroom.store.db import Session, session_scope
from doorstroom.store.models import SyncTask, TaskKind, TaskStatus

log = logging.getLogger(__name__)

FINAL_STATE_NAMES = frozenset({"EmployeeActionRequired", "SupportRequired"})
RUNNING_ELSEWHERE = "RunningElsewhere"
MAX_RETRY_AFTER = 120.0
clock: Clock = SYSTEM
"""How an attempt waits out Retry-After; tests replace it instead of waiting on the clock."""


def policy(*, retries: int = 3,
           retry_delay_seconds: tuple[float, ...] = (2.0, 10.0, 30.0)) -> dict[str, Any]:
    """The options a package's Prefect tasks share: retries, no cache, no tags.

    Only transient failures are retried (named outcomes are final); results are not cached
    or persisted, because the store is the record of what was booked. A call's time limit is
    the HTTP timeout on the package's connection block: Prefect's task timeout cannot stop a
    call in a worker thread (where the in-process worker runs flows) and would only mark a
    booking that did succeed as timed out.

    No tags: Prefect asks its server for a concurrency slot of every tag of a task run before
    it starts (``tag:<tag>`` limits, even when none exists), through one queue per process —
    measured with py-spy, three quarters of a sync run's time went to waiting there. The
    package's own limits are rate limits taken around each call (:mod:`connectors.rate_limits`);
    the run carries the ``package:`` tag, and each task run's name starts with the package.
    """
    return {"retries": retries, "retry_delay_seconds": list(retry_delay_seconds),
            "cache_policy": NO_CACHE, "persist_result": False,
            "retry_condition_fn": retry_transient_only}


def retry_transient_only(_task: Any, _task_run: TaskRun, state: State) -> bool:
    """Prefect's retry condition: named outcomes are final, raised (transient) ones retry."""
    return state.name not in FINAL_STATE_NAMES


def failed_state(error: SyncFailure, language: str) -> State:
    """The Prefect state of a classified failure, its message what operators need to act."""
    return Failed(name=error.state_name,
                  message=operator_text(error.code.name, error.params, language))


@dataclass(frozen=True)
class Work:
    """A sync task's input, read from the store before any call to the package."""

    kind: TaskKind
    dossier_id: int
    external_ref: str | None
    request: BookingRequest | None


def load_work(session: Session, sync_task_id: int) -> Work:
    """Everything the connector needs for this task, so no transaction spans the HTTP calls."""
    sync_task = session.get_one(SyncTask, sync_task_id)
    request = (repo.booking_request(session, sync_task)
               if sync_task.kind == TaskKind.POST_BOOKING else None)
    external_ref = sync_task.external_ref
    if sync_task.kind == TaskKind.DELETE_BOOKING and external_ref is None:
        external_ref = repo.booked_ref(session, sync_task.document_id)
    return Work(sync_task.kind, sync_task.dossier_id, external_ref, request)


def perform(connector: Connector, work: Work) -> str | MasterData | None:
    """Do the task's work through the connector; return the package's reference, if any."""
    if work.kind == TaskKind.CREATE_DOSSIER:
        return connector.check_dossier()
    if work.kind == TaskKind.POST_BOOKING and work.request is not None:
        return connector.post_booking(work.request)
    if work.kind == TaskKind.REFRESH_MASTER_DATA:
        return connector.master_data()
    if work.kind == TaskKind.DELETE_BOOKING:
        if work.external_ref:
            connector.delete_booking(work.external_ref)
        return None
    raise NotImplementedError(f"task kind {work.kind} has no connector operation")


def _attempt_budget() -> tuple[int, int, str | None, str | None]:
    context = TaskRunContext.get()
    if context is None:
        return 1, 0, None, None
    run = context.task_run
    return run.run_count, context.task.retries, str(run.flow_run_id), str(run.id)


def attempt(sync_task_id: int, connector: Connector, language: str, kind: TaskKind) -> State:
    """One attempt of one sync task: the body every package's Prefect tasks share.

    Written once so that no package can forget a rule: the attempt is recorded before the
    package is called, transient failures are raised for Prefect to retry (honouring
    Retry-After) until the budget is spent, and every other outcome becomes a named state
    with the instruction as its message, recorded in the store.
    """
    run_count, retries, flow_run_id, task_run_id = _attempt_budget()
    with session_scope() as session:
        attempt_id = repo.start_attempt(session, sync_task_id, flow_run_id, task_run_id)
        if attempt_id is None:
            return _not_ours(session, sync_task_id)
        work = load_work(session, sync_task_id)
    try:
        if work.kind != kind:
            raise RuntimeError(f"a {kind.value} task was given a {work.kind.value} sync task")
        result = perform(connector, work)
    except ORCHESTRATOR_ERRORS as error:  # Prefect's API is away (an outage): weather
        busy = TransientFailure(c.ORCHESTRATOR_BUSY, detail=repr(error))
        return _transient(sync_task_id, attempt_id, busy, run_count, retries, language)
    except TransientFailure as error:
        return _transient(sync_task_id, attempt_id, error, run_count, retries, language)
    except SyncFailure as error:
        return _record_failure(sync_task_id, attempt_id, error, language)
    except Exception as error:  # an unknown error is support's, never retried forever
        log.exception("sync task %s failed unexpectedly", sync_task_id)
        unknown = failure(c.UNEXPECTED_ERROR, detail=repr(error), error=type(error).__name__)
        return _record_failure(sync_task_id, attempt_id, unknown, language)
    with session_scope() as session:
        if isinstance(result, MasterData):
            stored = repo.replace_master_data(session, work.dossier_id, result)
            result = f"{stored} master-data records"
        repo.finish_done(session, sync_task_id, attempt_id, result)
    return Completed(message=f"done: {result}" if result else "done")


def _transient(sync_task_id: int, attempt_id: int, error: TransientFailure, run_count: int,
               retries: int, language: str) -> State:
    """Raise for Prefect to retry while the budget lasts; then a named failure for support."""
    if run_count <= retries:
        _note_transient(sync_task_id, attempt_id, error)
        raise error
    exhausted = error.exhausted or failure(
        c.RETRIES_EXHAUSTED, detail=str(error), reason=error.code.name,
        **{key: value for key, value in error.params.items() if key != "reason"})
    return _record_failure(sync_task_id, attempt_id, exhausted, language)


def _not_ours(session: Session, sync_task_id: int) -> State:
    """Another execution of the run holds this task, or finished it: leave it alone."""
    if repo.task_status(session, sync_task_id) == TaskStatus.DONE:
        return Completed(message="done already")
    return Completed(name=RUNNING_ELSEWHERE,
                     message="another execution of this run is working on this task")


def _note_transient(sync_task_id: int, attempt_id: int, error: TransientFailure) -> None:
    with session_scope() as session:
        repo.note_transient(session, sync_task_id, attempt_id, error)
    if error.retry_after:
        wait = min(error.retry_after, MAX_RETRY_AFTER)
        log.info("package asked to wait %.1f s (Retry-After) before the next attempt", wait)
        clock.sleep(wait)


def _record_failure(sync_task_id: int, attempt_id: int, error: SyncFailure,
                    language: str) -> State:
    log.warning("sync task %s: %s (%s)", sync_task_id, error.code.name, error.detail)
    with session_scope() as session:
        repo.finish_failed(session, sync_task_id, attempt_id, error)
    return failed_state(error, language)
