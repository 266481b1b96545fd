"""Starting ``sync-dossier`` runs: one per dossier with pending tasks, never twice for a batch.

Two callers share this: the ingest path, the moment a document (or a withdrawal) is stored,
so work starts within seconds without a scheduler asking every few seconds; and the slow
``dispatch`` sweep, which starts whatever the ingest path could not (Prefect was away, the
process stopped between storing and starting).

The idempotency key names the exact set of pending tasks, so a dispatch that runs twice (or
races the sweep, or crashes after creating a run and is started again) never creates a second
run for them. A dossier whose run is created but has not started yet gets no second run on
arrival: that run takes the dossier's pending tasks when it starts. A dossier whose package
is down (an open incident) gets no run at all: its tasks wait with the incident, whose
follower starts them once the package answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.states import Scheduled

from doorstroom.prefect_api import MAX_BUSY, ORCHESTRATOR_ERRORS, asked_while_busy
from doorstroom.store import incidents
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope

log = logging.getLogger(__name__)
SYNC_FLOW = "sync-dossier"
"""The flow that runs a dossier's sync tasks (``flows/sync_dossier.py``)."""
SYNC_DEPLOYMENT = f"{SYNC_FLOW}/sync-dossier"


@dataclass(frozen=True)
class RunRequest:
    """One flow run to create: the pending batch and how the run is named and tagged."""

    batch: repo.PendingDossier
    name: str
    tags: tuple[str, ...]


def _requests(limit: int, dossier_ids: Sequence[int] | None) -> list[RunRequest]:
    with session_scope() as session:
        requests = []
        for batch in repo.pending_dossiers(session, limit, dossier_ids):
            dossier = repo.dossier(session, batch.dossier_id)
            if dossier is None:
                continue
            outage = incidents.blocking(session, dossier.package, dossier.office_id)
            if outage is not None:  # the package is down: the work waits with the incident
                incidents.attach(session, outage, batch.task_ids)
                continue
            # Ids to filter on (they never change), the name to read (as it is today).
            requests.append(RunRequest(batch, dossier.name, (
                f"office:{dossier.office_id}", f"dossier:{dossier.id}",
                f"package:{dossier.package}", f"name:{dossier.name}"[:100])))
        return requests


def _create_runs(deployment_name: str, requests: list[RunRequest],
                 patience: float) -> list[UUID]:
    """Create the runs one by one, each asked again while Prefect is busy (its idempotency
    key makes a second ask safe): on the embedded server a busy answer is the normal lot of
    a create among running runs, and Prefect's own client would sleep 2 + 4 + 8 … s."""
    with get_client(sync_client=True) as client:
        deployment = asked_while_busy(
            lambda: client.read_deployment_by_name(deployment_name), patience)
        return [asked_while_busy(partial(_create_run, client, deployment.id, request), patience)
                for request in requests]


def _create_run(client: SyncPrefectClient, deployment_id: UUID, request: RunRequest) -> UUID:
    return client.create_flow_run_from_deployment(
        deployment_id, parameters={"dossier_id": request.batch.dossier_id}, state=Scheduled(),
        name=request.name, tags=list(request.tags), idempotency_key=request.batch.batch_key).id


def start_runs(limit: int = 500, deployment: str = SYNC_DEPLOYMENT,
               dossier_ids: Sequence[int] | None = None, patience: float = MAX_BUSY) -> int:
    """Create a run for up to ``limit`` dossiers with pending tasks (only ``dossier_ids``,
    if given) and hand it their tasks; return how many runs. A create Prefect refuses as
    busy for ``patience`` seconds raises (the sweep starts it later)."""
    requests = _requests(limit, dossier_ids)
    if not requests:
        return 0
    run_ids = _create_runs(deployment, requests, patience)
    with session_scope() as session:
        for request, run_id in zip(requests, run_ids, strict=True):
            repo.assign_to_run(session, request.batch.task_ids, str(run_id))
    return len(requests)


ARRIVAL_PAUSES = (0.1, 0.2, 0.3, 0.5, 0.5, 1.0, 1.0, 1.0, 2.0, 2.0, 4.0, 8.0)
"""Seconds before trying a refused on-arrival start again: a busy Prefect server (SQLite
answering 503 "database is locked") usually takes it a moment later, and the sweep only
comes every few minutes. Prefect's client does not retry here (it would sleep 2, 4, 8 …
s after each 503). The idempotency key makes a second try create no second run."""


def on_arrival(dossier_id: int, deployment: str = SYNC_DEPLOYMENT) -> int:
    """Start the dossier's run for work that just arrived, unless one is about to start.

    Never raises: the work is stored, and what is not started here (after a few more
    tries) the sweep starts.
    """
    refused: Exception | None = None
    for pause in (0.0, *ARRIVAL_PAUSES):
        time.sleep(pause)
        try:
            with session_scope() as session:
                if repo.run_waiting_to_start(session, dossier_id):
                    return 0
            # Asked once per try: between tries another arrival may have created the run.
            return start_runs(1, deployment, [dossier_id], patience=0)
        except ORCHESTRATOR_ERRORS as error:
            refused = error
    log.warning("dossier %s: its run was not started on arrival (%s); the dispatch sweep "
                "starts it", dossier_id, _why(refused))
    return 0


def _why(error: Exception | None) -> str:
    """The error's type, and the HTTP status Prefect answered with, if it answered."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return f"{type(error).__name__} {status}" if status else type(error).__name__
