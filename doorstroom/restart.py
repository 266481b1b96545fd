"""Restart = Prefect retry of the task's flow run: exactly once, whoever asks and how often.

The monitor, the CLI, auto-recheck and recover-interrupted all restart through here. A
restart moves a run out of one failed or crashed state, and only one restart per state can:
the store's ``run_restarts`` row keyed by (run, state) is the compare-and-set, so twenty
people clicking at once make one restart and nineteen answers saying who restarted it. The
winner queues the run's unfinished tasks and proposes ``AwaitingRetry`` to Prefect without
forcing it, so Prefect's own rules apply; the worker that wins ``Scheduled → Pending`` runs
the same flow run again, and it picks up only the tasks that are not done. Behind that, each
task's lease (``repository.start_attempt``) keeps any second execution from calling the
package for a task another one is on.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import FlowRun
from prefect.states import AwaitingRetry

from doorstroom.store import repository as repo
from doorstroom.store.db import StoreConflict, session_scope
from doorstroom.store.models import SyncTask, TaskStatus

REASONS = {
    "missing": "this task does not exist",
    "not_failed": "only failed tasks can be restarted",
    "never_run": "this task has not run yet",
    "not_from_deployment": "this run was not started from a deployment; start it again",
    "run_not_failed": "only failed runs can be restarted",
    "run_finishing": "the run has recorded its tasks but has not ended yet",
    "already_restarted": "this run was restarted already",
}


class RestartRefused(Exception):
    """The task or run cannot be retried; ``reason`` is a key of ``REASONS`` (and of the UI).

    ``by`` names who restarted it already, when that is the reason.
    """

    def __init__(self, reason: str, by: str | None = None) -> None:
        super().__init__(REASONS[reason] + (f" (by {by})" if by else ""))
        self.reason = reason
        self.by = by


@dataclass(frozen=True)
class _Restartable:
    """A run in a failed or crashed state, and that state's id (the restart's key)."""

    run: FlowRun
    state_id: str
    state_name: str


FINISHING_SECONDS = 20.0
"""How long a restart waits for a run that has recorded all its tasks but not ended yet.

A run writes its tasks' outcomes to the store first and publishes them to the Prefect UI
after, so a click on a task that has just turned red can come while its run is still
Running. Waiting out that tail answers the click with a restart instead of a refusal.
"""
POLL_SECONDS = 0.5


def _finishing(run: FlowRun, flow_run_id: str) -> bool:
    """Running, with no task of it left queued or running in the store."""
    if run.state is None or not run.state.is_running():
        return False
    with session_scope() as session:
        return not repo.run_has_open_tasks(session, flow_run_id)


def _ended(client: SyncPrefectClient, flow_run_id: str) -> FlowRun:
    """The run, once it has left its finishing tail (or the wait is over)."""
    run = client.read_flow_run(UUID(flow_run_id))
    if not _finishing(run, flow_run_id):
        return run
    deadline = time.monotonic() + FINISHING_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        run = client.read_flow_run(UUID(flow_run_id))
        if not _finishing(run, flow_run_id):
            return run
    raise RestartRefused("run_finishing")


def _restartable(client: SyncPrefectClient, flow_run_id: str) -> _Restartable:
    run = _ended(client, flow_run_id)
    if run.deployment_id is None:
        raise RestartRefused("not_from_deployment")
    state = run.state
    if state is None or not (state.is_failed() or state.is_crashed()):
        with session_scope() as session:
            last = repo.last_restart(session, flow_run_id)
        if state is not None and not state.is_final() and last is not None:
            raise RestartRefused("already_restarted", by=last)
        raise RestartRefused("run_not_failed")
    return _Restartable(run, str(state.id), state.name or state.type.value)


NEEDS = {"EmployeeActionRequired": "needs:office", "SupportRequired": "needs:support"}
"""The tag a run carries while it waits for someone, by its end state's name."""
OUTAGE_NEED = "needs:outage"
"""A SupportRequired run whose red tasks all wait with an incident: Doorstroom restarts it
when the package answers again; support has the incident's one notice."""


def without_needs(tags: list[str]) -> list[str]:
    """The run's tags without a ``needs:`` tag."""
    return [tag for tag in tags if not tag.startswith("needs:")]


def restart_flow_run(flow_run_id: str, actor: str, user_id: int | None = None) -> list[int]:
    """Retry a failed or crashed flow run; return the ids of the sync tasks that run again.

    Refused with ``already_restarted`` (and who did it) when another restart of the same
    state came first.
    """
    with get_client(sync_client=True) as client:
        target = _restartable(client, flow_run_id)
        try:
            with session_scope() as session:
                repo.add_restart(session, flow_run_id, target.state_id, target.state_name,
                                 actor)
                task_ids = repo.requeue_for_restart(session, flow_run_id, actor, user_id)
        except StoreConflict:
            with session_scope() as session:
                first = repo.restart_of(session, flow_run_id, target.state_id)
            raise RestartRefused("already_restarted",
                                 by=first.actor if first else None) from None
        client.set_flow_run_state(UUID(flow_run_id),
                                  AwaitingRetry(message=f"Restarted by {actor}"))
        client.update_flow_run(UUID(flow_run_id), tags=without_needs(target.run.tags))
    return task_ids


def restart_task(sync_task_id: int, actor: str, user_id: int | None = None) -> list[int]:
    """Restart the flow run that last ran this failed sync task."""
    with session_scope() as session:
        task = session.get(SyncTask, sync_task_id)
        if task is None:
            raise RestartRefused("missing")
        if task.status != TaskStatus.FAILED:
            by = task.restarted_by if task.status in (TaskStatus.QUEUED,
                                                      TaskStatus.RUNNING) else None
            raise RestartRefused("already_restarted" if by else "not_failed", by=by)
        flow_run_id = task.last_flow_run_id
    if flow_run_id is None:
        raise RestartRefused("never_run")
    return restart_flow_run(flow_run_id, actor, user_id)


@dataclass
class ManyRestarted:
    """What restarting a set of failed tasks did, run by run."""

    tasks: list[int] = field(default_factory=list)
    """The tasks that run again because of this restart."""
    by_others: list[str] = field(default_factory=list)
    """Who restarted, first, a run this restart also asked for."""
    refused: Counter[str] = field(default_factory=Counter)
    """Runs that could not be restarted, by reason."""


def restart_tasks(task_ids: list[int], actor: str, user_id: int | None = None) -> ManyRestarted:
    """Restart every run behind these failed tasks, each run once (a problem's documents
    and a bulk selection often share runs); a run someone else restarted first counts as
    restarted by them, not as a refusal."""
    with session_scope() as session:
        runs = repo.failed_runs_of(session, task_ids)
    outcome = ManyRestarted()
    for run in runs:
        try:
            outcome.tasks += restart_flow_run(run, actor, user_id)
        except RestartRefused as refused:
            if refused.reason == "already_restarted":
                outcome.by_others.append(refused.by or "?")
            else:
                outcome.refused[refused.reason] += 1
    return outcome
