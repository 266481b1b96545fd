"""The ``dispatch`` sweep: one ``sync-dossier`` run per dossier with pending tasks.

Work is started when it arrives (``doorstroom.dispatching.on_arrival``, called by the ingest
path); this slow scheduled sweep starts what that missed — a document stored while Prefect was
away, a master-data refresh, tasks queued by hand — so nothing pending waits for good.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client

from doorstroom.dispatching import SYNC_DEPLOYMENT, start_runs
from doorstroom.events import incident_resource
from doorstroom.store import incidents
from doorstroom.store.db import session_scope
from flows.incidents import STALE

FOLLOW_DEPLOYMENT = "follow-incident/follow-incident"


def follow_unfollowed(deployment: str = FOLLOW_DEPLOYMENT) -> int:
    """Start a follower for every open incident that has none alive (its event was lost,
    its follower died or handed it back); a second follower of one incident stops at once."""
    with session_scope() as session:
        lonely = incidents.unfollowed(session, STALE)
    if not lonely:
        return 0
    with get_client(sync_client=True) as client:
        deployment_id = client.read_deployment_by_name(deployment).id
        for number in lonely:
            client.create_flow_run_from_deployment(
                deployment_id, parameters={"incident_id": incident_resource(number)})
    return len(lonely)


@flow(name="dispatch")
def dispatch(limit: int = 500, deployment: str = SYNC_DEPLOYMENT) -> int:
    """Start runs for up to ``limit`` dossiers with pending tasks, and followers for open
    incidents without one; return how many sync runs."""
    started = start_runs(limit, deployment)
    if started:
        get_run_logger().info("started %d sync-dossier runs", started)
    followers = follow_unfollowed()
    if followers:
        get_run_logger().info("started %d incident followers", followers)
    return started
