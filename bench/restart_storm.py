"""Exactly once under restart storms, a Prefect outage and crash detection: a fault drill.

    python bench/restart_storm.py [--dossiers 10] [--documents 200] [--outage 180]

On the embedded stack (Prefect server on SQLite, the in-process worker, an Exact Online
sandbox, the store on SQLite), three phases:

1. **Restart storm**: ``--dossiers`` failed bookings (closed period, then reopened); for each,
   20 restarts at once — 12 people (monitor/CLI path), 4 auto-recheck, 2 recover-interrupted,
   2 Prefect UI retries. Counts the restarts accepted, the executions each run got, and the
   bookings made.
2. **Prefect outage under load**: ``--documents`` documents dispatched, the Prefect server
   killed for ``--outage`` seconds while they are booked, then started again on the same
   database. Counts the tasks that ended red and the bookings made twice.
3. **No false crash**: once everything settled, twice the heartbeat bound later, counts the
   runs that were crashed after they had completed.

The baseline, in the same run, is the count of documents: every figure that counts a
failure (``duplicates``, ``red_after_outage``, ``false_crashed``, ``lost_acknowledged``) must
be 0. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from uuid import UUID

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-storm-"))
PORT = 4231
HEARTBEAT_BOUND = 45
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deployments.bench_env import embedded_env  # noqa: E402  (no Prefect)

os.environ.update(embedded_env(RUN_DIR, PORT) | {
    "DOORSTROOM_RETRY_DELAYS": "[1, 2, 4]",
    "DOORSTROOM_HEARTBEAT_TIMEOUT_SECONDS": str(HEARTBEAT_BOUND),
})

from prefect.client.orchestration import get_client  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from connectors.exact_online.sandbox import ExactOnlineSandbox  # noqa: E402
from connectors.sandbox_faults import Fault  # noqa: E402
from connectors.sandbox_server import SandboxServer  # noqa: E402
from deployments.local_stack import (  # noqa: E402
    Stack,
    serving_stack,
    start_prefect_server,
)
from doorstroom.operations.setup import setup  # noqa: E402
from doorstroom.store.db import migrate, session_scope  # noqa: E402
from doorstroom.store.models import Document, SyncTask  # noqa: E402
from flows.dispatch import dispatch  # noqa: E402
from tests.helpers import a_dossier, a_proposal, an_office, documents_for  # noqa: E402
from tests.storm import storm  # noqa: E402

BLOCK = "storm-exact"


def statuses(task_ids: list[int]) -> Counter[str]:
    with session_scope() as session:
        rows = session.scalars(select(SyncTask.status).where(SyncTask.id.in_(task_ids)))
        return Counter(str(status.value) for status in rows)


def wait_settled(task_ids: list[int], timeout: float) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while True:
        now = statuses(task_ids)
        if now["done"] + now["failed"] == len(task_ids) or time.monotonic() > deadline:
            return now
        time.sleep(1)


def runs_of(task_ids: list[int]) -> set[str]:
    with session_scope() as session:
        return {str(run) for run in session.scalars(
            select(SyncTask.last_flow_run_id).where(SyncTask.id.in_(task_ids))) if run}


def state_names(run_id: str) -> list[str]:
    with get_client(sync_client=True) as client:
        return [s.name or s.type.value for s in client.read_flow_run_states(UUID(run_id))]


def storm_phase(sandbox: ExactOnlineSandbox, office: int, dossiers: int) -> dict[str, int]:
    task_ids, divisions = [], []
    for number in range(dossiers):
        division = 30_000 + number
        sandbox.state.add_division(division, f"Storm {number}")
        sandbox.state.set_period_closed(division, 2026, 3, True)
        task_ids += documents_for(a_dossier(office, f"Storm {number}", division, BLOCK),
                                  [a_proposal()])
        divisions.append(division)
    dispatch()
    failed = wait_settled(task_ids, 300)
    print(f"storm: {failed['failed']} of {len(task_ids)} tasks failed as set up", flush=True)
    for division in divisions:
        sandbox.state.set_period_closed(division, 2026, 3, False)
    before = {run: state_names(run).count("Running") for run in runs_of(task_ids)}
    answers: Counter[str] = Counter()
    with session_scope() as session:
        pairs = [(t.id, str(t.last_flow_run_id)) for t in session.scalars(
            select(SyncTask).where(SyncTask.id.in_(task_ids)))]
    for task_id, run_id in pairs:
        answers += storm(task_id, run_id, api_retries=2)
    settled = wait_settled(task_ids, 300)
    executions = sum(state_names(run).count("Running") - count for run, count in before.items())
    entries = sum(len(sandbox.state.entries(d)) for d in divisions)
    print(f"storm: answers {dict(answers)}; {executions} executions for {len(pairs)} runs; "
          f"{entries} bookings for {len(task_ids)} documents; {dict(settled)}", flush=True)
    return {"restarts": sum(answers.values()), "restarts_accepted": answers["restarted"],
            "storm_runs": len(pairs), "executions": executions,
            "storm_duplicates": entries - len(task_ids)}


def outage_phase(stack: Stack, sandbox: ExactOnlineSandbox, office: int, documents: int,
                 outage: float) -> dict[str, int]:
    per = 10
    task_ids, divisions = [], []
    for number in range(documents // per):
        division = 40_000 + number
        sandbox.state.add_division(division, f"Outage {number}")
        task_ids += documents_for(a_dossier(office, f"Outage {number}", division, BLOCK),
                                  [a_proposal() for _ in range(per)])
        divisions.append(division)
    for _ in task_ids:  # each booking takes a second: the outage hits work in progress
        sandbox.state.add_fault(Fault(kind="latency", seconds=1.0, method="POST",
                                      path_contains="purchaseentry"))
    dispatch()
    time.sleep(5)
    server = stack.processes[0]
    server.send_signal(signal.SIGKILL)
    server.wait()
    done_at_kill = statuses(task_ids)["done"]
    print(f"outage: Prefect server killed with {done_at_kill} of {len(task_ids)} done; "
          f"down for {outage:.0f} s", flush=True)
    time.sleep(outage)
    stack.processes.remove(server)
    start_prefect_server(stack, RUN_DIR / "prefect-server.log")
    stack.processes.insert(0, stack.processes.pop())
    started = time.monotonic()
    settled = wait_settled(task_ids, 900)
    for _ in range(20):  # the dispatch deployment is not served here: dispatch by hand
        if settled["done"] + settled["failed"] == len(task_ids):
            break
        dispatch()
        settled = wait_settled(task_ids, 30)
    entries = sum(len(sandbox.state.entries(d)) for d in divisions)
    print(f"outage: settled {dict(settled)} {time.monotonic() - started:.0f} s after the "
          f"server came back; {entries} bookings for {len(task_ids)} documents", flush=True)
    return {"outage_documents": len(task_ids), "red_after_outage": settled["failed"],
            "not_settled_after_outage": len(task_ids) - settled["done"] - settled["failed"],
            "outage_duplicates": entries - len(task_ids)}


def false_crashes(run_ids: set[str]) -> int:
    """Runs that were crashed after they had completed."""
    count = 0
    for run_id in run_ids:
        names = state_names(run_id)
        if "Completed" in names and "Crashed" in names[names.index("Completed"):]:
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=10)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--outage", type=float, default=180.0)
    args = parser.parse_args()
    store_url = os.environ["DOORSTROOM_DATABASE_URL"]
    migrate(store_url)
    sandbox = ExactOnlineSandbox()
    with SandboxServer(sandbox.app()) as server, \
            serving_stack(RUN_DIR, PORT, store_url, "--every=dispatch=3600") as stack:
        worker = stack.processes[1]  # (the outage phase restarts the server, not the worker)
        sandbox.connection(server.url).save(BLOCK, overwrite=True)
        setup()
        office = an_office("Storm office")
        figures = storm_phase(sandbox, office, args.dossiers)
        figures |= outage_phase(stack, sandbox, office, args.documents, args.outage)
        with session_scope() as session:
            all_ids = list(session.scalars(select(SyncTask.id)))
            stored = int(session.scalar(select(func.count()).select_from(Document)) or 0)
        print(f"waiting {2 * HEARTBEAT_BOUND} s (twice the heartbeat bound)", flush=True)
        time.sleep(2 * HEARTBEAT_BOUND)
        figures["false_crashed"] = false_crashes(runs_of(all_ids))
        figures["lost_acknowledged"] = args.dossiers + args.documents // 10 * 10 - stored
        figures["duplicates"] = figures["storm_duplicates"] + figures["outage_duplicates"]
        figures["worker_alive"] = int(worker.poll() is None)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
