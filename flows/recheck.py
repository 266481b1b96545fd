"""The ``recheck`` flow: orange tasks whose cause is gone are restarted without anyone asking.

The product we model waits for the employee to restart a task after fixing its cause. Some
causes can be seen gone with a read-only look at the package — rights granted, database
upgraded or restored — so this scheduled flow looks (each descriptor's ``probe``, through the
package's rate limits) and retries the task's run when the cause is gone. The follow-up page
then says the task was resolved automatically.

A look that finds the cause still there is an error answer at the package, and packages
punish errors (Exact Online blocks a key after more than 10 per endpoint per hour). So each
dossier is looked at less often while its cause stays — after 1, 2, 4 … minutes, at most
hourly — and never more often than its package's error budget allows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import groupby

from prefect import flow, get_run_logger

from connectors.base import DossierRef
from connectors.registry import PACKAGES, descriptor
from doorstroom.clock import SYSTEM, Clock
from doorstroom.failures import SyncFailure
from doorstroom.restart import RestartRefused, restart_flow_run
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope

ACTOR = "auto-recheck"
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MOST = timedelta(hours=1)
HOUR = timedelta(hours=1)
HISTORY = timedelta(days=1)
"""How far back a dossier's looks are read: far enough that the run of failing looks behind
an hourly back-off is still seen (an hour's window would start the back-off over)."""
clock: Clock = SYSTEM
"""Where recheck reads the time (tests move a :class:`FakeClock`)."""


def probe_due(history: Sequence[tuple[datetime, str]], now: datetime,
              errors_per_hour: int | None) -> bool:
    """Whether a dossier may be looked at now, given its probes (newest first).

    After ``n`` looks in a row that found the cause still there, the next waits
    ``BACKOFF_FIRST * 2**(n-1)`` (at most ``BACKOFF_MOST``); and no more than
    ``errors_per_hour`` such looks fall in any hour.
    """
    misses = 0
    for _at, outcome in history:
        if outcome == "gone":
            break
        misses += 1
    if misses and now < history[0][0] + min(BACKOFF_MOST, BACKOFF_FIRST * 2 ** (misses - 1)):
        return False
    if errors_per_hour is None:
        return True
    recent = sum(1 for at, outcome in history if outcome != "gone" and at > now - HOUR)
    return recent < errors_per_hour


def _gone_runs(dossier: list[repo.ProbeCandidate]) -> set[str]:
    """The runs of one dossier whose failed tasks' causes are all gone (raises the
    SyncFailure that kept the package from answering)."""
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
    now = datetime.fromtimestamp(clock.time(), UTC)
    with session_scope() as session:
        candidates = repo.probe_candidates(session, codes, limit)
        history = repo.recent_probes(session, sorted({c.dossier_id for c in candidates}),
                                     now - HISTORY)
    restarted = 0
    for dossier_id, group in groupby(candidates, key=lambda c: c.dossier_id):
        tasks = list(group)
        budget = descriptor(tasks[0].package).probe_errors_per_hour
        if not probe_due(history.get(dossier_id, []), now, budget):
            continue
        try:
            runs = _gone_runs(tasks)
        except SyncFailure as blocked:
            logger.info("dossier %s not probed: %s", tasks[0].dossier_name, blocked)
            _remember(dossier_id, "error", now)
            continue
        _remember(dossier_id, "gone" if runs else "present", now)
        for run_id in runs:
            try:
                restarted += len(restart_flow_run(run_id, actor=ACTOR))
            except RestartRefused as refused:
                logger.info("run %s not restarted: %s", run_id, refused)
        if runs:
            logger.info("%s: cause gone, %d run(s) restarted", tasks[0].dossier_name, len(runs))
    return restarted


def _remember(dossier_id: int, outcome: str, now: datetime) -> None:
    with session_scope() as session:
        repo.record_probe(session, dossier_id, outcome, now)
