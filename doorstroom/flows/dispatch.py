"""The scheduled ``dispatch`` flow: one ``sync-dossier`` run per dossier with pending tasks.

The idempotency key names the exact set of pending tasks, so a dispatch that runs twice
(or crashes after creating a run and is started again) never creates a second run for them.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment

from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope

SYNC_DEPLOYMENT = "sync-dossier/sync-dossier"


@flow(name="dispatch")
def dispatch(limit: int = 500, deployment: str = SYNC_DEPLOYMENT) -> int:
    """Start runs for up to ``limit`` dossiers with pending tasks; return how many."""
    logger = get_run_logger()
    with session_scope() as session:
        pending = repo.pending_dossiers(session, limit)
        dossiers = {p.dossier_id: repo.dossier(session, p.dossier_id) for p in pending}
        meta = {d_id: (d.name, d.office_id, d.package) for d_id, d in dossiers.items() if d}
    for batch in pending:
        name, office_id, package = meta[batch.dossier_id]
        run = run_deployment(
            deployment,
            parameters={"dossier_id": batch.dossier_id},
            timeout=0,
            idempotency_key=batch.batch_key,
            flow_run_name=name,
            tags=[f"office:{office_id}", f"dossier:{batch.dossier_id}", f"package:{package}"],
            as_subflow=False,
        )
        with session_scope() as session:
            repo.assign_to_run(session, batch.task_ids, str(run.id))
        logger.info("dossier %s: %d tasks → flow run %s", name, len(batch.task_ids), run.id)
    return len(pending)
