"""The ``recover-interrupted`` flow: no sync task stays queued or running forever.

A worker that dies, or a flow run that crashes or is cancelled, leaves its tasks marked
queued/running in the store. This flow asks Prefect for the state of every run that holds
such tasks; when that run has ended, its unfinished tasks become ``SupportRequired /
run_interrupted`` — visible in red and restartable (a Prefect retry of the same run).
"""

from __future__ import annotations

from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from doorstroom.failures import codes as c
from doorstroom.failures import failure
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope


def _ended_state(run_id: str) -> str | None:
    """The name of the run's final state, ``"missing"``, or ``None`` while it still runs."""
    with get_client(sync_client=True) as client:
        try:
            run = client.read_flow_run(UUID(run_id))
        except ObjectNotFound:
            return "missing"
    if run.state is None or not run.state.is_final():
        return None
    return run.state.name or str(run.state.type.value)


@flow(name="recover-interrupted")
def recover_interrupted() -> int:
    """Mark the unfinished tasks of ended flow runs as interrupted; return how many."""
    logger = get_run_logger()
    with session_scope() as session:
        holders = repo.unfinished_by_run(session)
    recovered = 0
    for run_id, task_ids in holders.items():
        state = _ended_state(run_id)
        if state is None:
            continue
        error = failure(c.RUN_INTERRUPTED, detail=f"flow run {run_id} ended {state}", state=state)
        with session_scope() as session:
            for task_id in task_ids:
                attempt_id = repo.start_attempt(session, task_id, run_id, None)
                repo.finish_failed(session, task_id, attempt_id, error)
        recovered += len(task_ids)
        logger.warning("flow run %s ended %s: %d tasks marked interrupted", run_id, state,
                       len(task_ids))
    return recovered
