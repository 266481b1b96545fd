"""Restart = Prefect retry: exactly what the Prefect UI's Retry button does.

The flow run goes to ``Scheduled/AwaitingRetry`` (forced), the worker runs the same flow run
again, and the flow picks up only the tasks of that run that are not done.
"""

from __future__ import annotations

from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.states import AwaitingRetry

from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from doorstroom.store.models import SyncTask, TaskStatus

REASONS = {
    "missing": "this task does not exist",
    "not_failed": "only failed tasks can be restarted",
    "never_run": "this task has not run yet",
    "not_from_deployment": "this run was not started from a deployment; start it again",
    "run_not_failed": "only failed runs can be restarted",
}


class RestartRefused(Exception):
    """The task or run cannot be retried; ``reason`` is a key of ``REASONS`` (and of the UI)."""

    def __init__(self, reason: str) -> None:
        super().__init__(REASONS[reason])
        self.reason = reason


def restart_flow_run(flow_run_id: str, actor: str, user_id: int | None = None) -> list[int]:
    """Retry a failed flow run; return the ids of the sync tasks that will run again."""
    with session_scope() as session, get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        if run.deployment_id is None:
            raise RestartRefused("not_from_deployment")
        if run.state is None or not (run.state.is_failed() or run.state.is_crashed()):
            raise RestartRefused("run_not_failed")
        task_ids = repo.requeue_for_restart(session, flow_run_id, actor, user_id)
        client.set_flow_run_state(UUID(flow_run_id),
                                  AwaitingRetry(message=f"Restarted by {actor}"), force=True)
    return task_ids


def restart_task(sync_task_id: int, actor: str, user_id: int | None = None) -> list[int]:
    """Restart the flow run that last ran this failed sync task."""
    with session_scope() as session:
        task = session.get(SyncTask, sync_task_id)
        if task is None:
            raise RestartRefused("missing")
        if task.status != TaskStatus.FAILED:
            raise RestartRefused("not_failed")
        flow_run_id = task.last_flow_run_id
    if flow_run_id is None:
        raise RestartRefused("never_run")
    return restart_flow_run(flow_run_id, actor, user_id)
