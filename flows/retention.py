"""``prune``: let go of what is old and finished, in batches — the store's files and attempts
of booked documents (``doorstroom.store.retention``) and Prefect's own finished flow runs —
older than ``DOORSTROOM_RETENTION_DAYS``. Prefect prunes its events itself
(``PREFECT_SERVER_EVENTS_RETENTION_PERIOD``, which the stack sets to the same age).

A run that a failed task still points at is never removed (it is the one a restart retries):
only runs that ended ``Completed`` or ``Cancelled`` go.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterEndTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType

from doorstroom.settings import get_settings
from doorstroom.store.db import session_scope
from doorstroom.store.retention import prune_batch

BATCH = 500
FINISHED = [StateType.COMPLETED, StateType.CANCELLED]


def prune_store(before: datetime, batch: int = BATCH) -> tuple[int, int]:
    """Remove old attempts and files batch by batch; return how many of each."""
    attempts = files = 0
    while True:
        with session_scope() as session:  # one short transaction per batch
            pruned = prune_batch(session, before, batch)
        attempts, files = attempts + pruned.attempts, files + pruned.files
        if not pruned.any:
            return attempts, files


def prune_flow_runs(before: datetime, batch: int = BATCH,
                    flows: list[str] | None = None) -> int:
    """Delete Prefect's flow runs that ended Completed or Cancelled before ``before`` (only
    those of the named ``flows``, when given)."""
    deleted = 0
    old = FlowRunFilter(end_time=FlowRunFilterEndTime(before_=before),
                        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=FINISHED)))
    only = FlowFilter(name=FlowFilterName(any_=flows)) if flows else None
    with get_client(sync_client=True) as client:
        while runs := client.read_flow_runs(flow_filter=only, flow_run_filter=old,
                                            limit=batch):
            for run in runs:
                client.delete_flow_run(run.id)
            deleted += len(runs)
    return deleted


@flow(name="prune")
def prune(days: int | None = None) -> dict[str, int]:
    """Prune what finished more than ``days`` (default ``DOORSTROOM_RETENTION_DAYS``) ago."""
    age = days if days is not None else get_settings().retention_days
    before = datetime.now(UTC) - timedelta(days=age)
    attempts, files = prune_store(before)
    runs = prune_flow_runs(before)
    get_run_logger().info("older than %d days: %d attempts, %d files, %d flow runs removed",
                          age, attempts, files, runs)
    return {"attempts": attempts, "files": files, "flow_runs": runs}
