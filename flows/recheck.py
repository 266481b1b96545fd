"""The ``recheck`` flow: orange tasks whose cause is gone are restarted without anyone asking.

The product we model waits for the employee to restart a task after fixing its cause. Some
causes can be seen gone with a read-only look at the package — rights granted, database
upgraded or restored — so this scheduled flow looks (each descriptor's ``probe``, through the
package's rate limits) and retries the task's run when the cause is gone. The follow-up page
then says the task was resolved automatically.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from prefect import flow, get_run_logger

from connectors.base import DossierRef
from connectors.registry import PACKAGES, descriptor
from doorstroom.failures import SyncFailure
from doorstroom.restart import RestartRefused, restart_flow_run
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope

ACTOR = "auto-recheck"


def _gone_runs(dossier: list[repo.ProbeCandidate]) -> set[str]:
    """The runs of one dossier whose failed tasks' causes are all gone."""
    first = dossier[0]
    ref = DossierRef(first.dossier_id, first.dossier_name, first.external_id)
    package = descriptor(first.package)
    connector = package.open(ref, first.connection_block)
    try:
        gone = {code: package.probe(connector, code) for code in {c.code for c in dossier}}
    finally:
        connector.close()
    by_run: dict[str, list[str]] = defaultdict(list)
    for candidate in dossier:
        by_run[candidate.flow_run_id].append(candidate.code)
    return {run for run, codes in by_run.items() if all(gone[code] for code in codes)}


@flow(name="recheck")
def recheck(limit: int = 500) -> int:
    """Probe the packages for orange tasks; restart those whose cause is gone."""
    logger = get_run_logger()
    codes = sorted({code for package in PACKAGES.values() for code in package.probed})
    with session_scope() as session:
        candidates = repo.probe_candidates(session, codes, limit)
    restarted = 0
    for _dossier, group in groupby(candidates, key=lambda c: c.dossier_id):
        tasks = list(group)
        try:
            runs = _gone_runs(tasks)
        except SyncFailure as blocked:
            logger.info("dossier %s not probed: %s", tasks[0].dossier_name, blocked)
            continue
        for run_id in runs:
            try:
                restarted += len(restart_flow_run(run_id, actor=ACTOR))
            except RestartRefused as refused:
                logger.info("run %s not restarted: %s", run_id, refused)
        if runs:
            logger.info("%s: cause gone, %d run(s) restarted", tasks[0].dossier_name, len(runs))
    return restarted
