"""The scheduled ``dispatch`` flow: one ``sync-dossier`` run per dossier with pending tasks.

The idempotency key names the exact set of pending tasks, so a dispatch that runs twice
(or crashes after creating a run and is started again) never creates a second run for them.
The deployment is read once; each run is one API call.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.states import Scheduled

from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope

SYNC_DEPLOYMENT = "sync-dossier/sync-dossier"


@dataclass(frozen=True)
class RunRequest:
    """One flow run to create: the pending batch and how the run is named and tagged."""

    batch: repo.PendingDossier
    name: str
    tags: tuple[str, ...]


def _requests(limit: int) -> list[RunRequest]:
    with session_scope() as session:
        requests = []
        for batch in repo.pending_dossiers(session, limit):
            dossier = repo.dossier(session, batch.dossier_id)
            if dossier is None:
                continue
            # Ids to filter on (they never change), the name to read (as it is today).
            requests.append(RunRequest(batch, dossier.name, (
                f"office:{dossier.office_id}", f"dossier:{dossier.id}",
                f"package:{dossier.package}", f"name:{dossier.name}"[:100])))
        return requests


def _create_runs(deployment_name: str, requests: list[RunRequest]) -> list[UUID]:
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(deployment_name)
        return [
            client.create_flow_run_from_deployment(
                deployment.id, parameters={"dossier_id": request.batch.dossier_id},
                state=Scheduled(), name=request.name, tags=list(request.tags),
                idempotency_key=request.batch.batch_key).id
            for request in requests
        ]


@flow(name="dispatch")
def dispatch(limit: int = 500, deployment: str = SYNC_DEPLOYMENT) -> int:
    """Start runs for up to ``limit`` dossiers with pending tasks; return how many."""
    logger = get_run_logger()
    requests = _requests(limit)
    if not requests:
        return 0
    run_ids = _create_runs(deployment, requests)
    with session_scope() as session:
        for request, run_id in zip(requests, run_ids, strict=True):
            repo.assign_to_run(session, request.batch.task_ids, str(run_id))
    logger.info("started %d sync-dossier runs", len(requests))
    return len(requests)
