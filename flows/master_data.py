"""The ``refresh-master-data`` flow: queue a master-data refresh per dossier, then dispatch.

The refresh itself is a sync task like any other (kind ``refresh_master_data``), run by
``sync-dossier``: it gets the same named states, instructions, retries and restart, and the
monitor shows it next to the bookings.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from flows.dispatch import dispatch


@flow(name="refresh-master-data")
def refresh_master_data(dossier_ids: list[int] | None = None, start_now: bool = True) -> int:
    """Queue a refresh for the given dossiers (default: all); return how many were queued."""
    with session_scope() as session:
        queued = repo.queue_master_data_refresh(session, dossier_ids)
    get_run_logger().info("queued %d master-data refreshes", len(queued))
    if queued and start_now:
        dispatch()
    return len(queued)
