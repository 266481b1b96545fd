"""The ``recover-interrupted`` flow: no sync task stays queued or running forever.

A worker that dies, or a flow run that crashes or is cancelled, leaves its tasks marked
queued/running in the store. This flow asks Prefect for the state of every run that holds
such tasks. A crashed run (its worker died: no office or package problem) is retried — the
same run, on any worker — up to ``AUTOMATIC_RETRIES`` times; the connectors look before they
book, so nothing is booked twice. Otherwise (cancelled, vanished, or crashed again) its
unfinished tasks become ``SupportRequired / run_interrupted``: red and restartable.

The ``doorstroom-crashed`` automation starts this flow as soon as a run crashes; its own
schedule (every 5 minutes) catches the rest.
"""

from __future__ import annotations

from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from doorstroom.failures import codes as c
from doorstroom.failures import failure
from doorstroom.restart import RestartRefused, restart_flow_run
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope

ACTOR = "recover-interrupted"
AUTOMATIC_RETRIES = 2


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


def _retried(run_id: str, state: str) -> bool:
    """Retry a crashed run if it has not been retried automatically too often already."""
    if state != "Crashed":
        return False
    with session_scope() as session:
        if repo.restarts_of_run(session, run_id, ACTOR) >= AUTOMATIC_RETRIES:
            return False
    try:
        restart_flow_run(run_id, actor=ACTOR)
    except RestartRefused:
        return False
    return True


@flow(name="recover-interrupted")
def recover_interrupted() -> int:
    """Retry crashed runs (bounded) or mark their tasks interrupted; return how many tasks."""
    logger = get_run_logger()
    with session_scope() as session:
        holders = repo.unfinished_by_run(session)
    recovered = 0
    for run_id, task_ids in holders.items():
        state = _ended_state(run_id)
        if state is None:
            continue
        if _retried(run_id, state):
            logger.warning("flow run %s crashed: retried, %d tasks run again", run_id,
                           len(task_ids))
            recovered += len(task_ids)
            continue
        if _ended_state(run_id) is None:  # another recover (or a person) retried it meanwhile
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
