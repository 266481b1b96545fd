"""The ``dispatch`` sweep: one ``sync-dossier`` run per dossier with pending tasks.

Work is started when it arrives (``doorstroom.dispatching.on_arrival``, called by the ingest
path); this slow scheduled sweep starts what that missed — a document stored while Prefect was
away, a master-data refresh, tasks queued by hand — so nothing pending waits for good.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from doorstroom.dispatching import SYNC_DEPLOYMENT, start_runs


@flow(name="dispatch")
def dispatch(limit: int = 500, deployment: str = SYNC_DEPLOYMENT) -> int:
    """Start runs for up to ``limit`` dossiers with pending tasks; return how many."""
    started = start_runs(limit, deployment)
    if started:
        get_run_logger().info("started %d sync-dossier runs", started)
    return started
