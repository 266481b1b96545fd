"""Dispatch at scale: dossiers with pending work → ``sync-dossier`` flow runs created.

    python bench/dispatch.py [--dossiers 10000] [--database postgresql] [--limit 500]

A Prefect server and the store, on a throw-away PostgreSQL cluster (the one the scale tests
start, Debian's server; ``--database sqlite`` for the embedded default). Every dossier gets one
pending document. The ``sync-dossier`` deployment is registered but no worker executes its runs:
what is measured is starting them. ``dispatch`` sweeps (``--limit`` dossiers each, as
``prefect.yaml`` serves it) run in this process, as the worker runs them, until every dossier
has its run; the CPU seconds of this process (the worker's part) and of the Prefect server
(and PostgreSQL's) are read from /proc.

The baseline, in the same run on the same server: the same number of flow runs created with
Prefect's client alone, one call after the other, without the store — the cost Prefect itself
sets. Last line: one JSON object with ``runs_per_s``, ``server_cpu_s_per_run``,
``worker_cpu_s_per_run``, ``baseline_runs_per_s`` and their ``ratio``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deployments.bench_env import embedded_env, fresh_run

RUN_DIR, PORT = fresh_run("doorstroom-bench-dispatch-")

os.environ.update(embedded_env(RUN_DIR, PORT))
# No worker executes the runs made here: Prefect's late-runs service would mark each of them
# Late after 15 s, writing as many states again (on SQLite, in a storm of lock errors) —
# an artefact of this bench, where in production a worker starts them within seconds.
os.environ["PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED"] = "false"

from prefect.client.orchestration import get_client  # noqa: E402
from prefect.states import Scheduled  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.clusters import databases  # noqa: E402
from bench.figures import cpu_seconds  # noqa: E402
from deployments.declared import declared  # noqa: E402
from deployments.local_stack import Stack, prefect_env, start_prefect_server  # noqa: E402
from deployments.serve import register  # noqa: E402
from doorstroom.dispatching import SYNC_DEPLOYMENT  # noqa: E402
from doorstroom.documents.service import submit  # noqa: E402
from doorstroom.store.db import migrate, session_scope  # noqa: E402
from doorstroom.store.models import Dossier, Office, SyncTask  # noqa: E402
from flows.dispatch import dispatch  # noqa: E402
from tests.helpers import a_proposal  # noqa: E402

SEED_CHUNK = 1000


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL process (the postmaster counts its ended backends)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        if text.split("(", 1)[1].startswith("postgres)"):
            total += sum(int(v) for v in text.rsplit(")", 1)[1].split()[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def seed(dossiers: int) -> None:
    """One office; ``dossiers`` Exact dossiers with one pending document each."""
    with session_scope() as session:
        office = Office(name="Kantoor Dispatch")
        session.add(office)
        session.flush()
        office_id = office.id
    for first in range(0, dossiers, SEED_CHUNK):
        with session_scope() as session:
            for number in range(first, min(dossiers, first + SEED_CHUNK)):
                dossier = Dossier(office_id=office_id, name=f"Dispatch {number:05d}",
                                  package="exact_online", external_id=str(number),
                                  connection_block="bench-exact")
                session.add(dossier)
                session.flush()
                submit(session, dossier.id, a_proposal(), [])


def unassigned() -> int:
    """Pending tasks no run has taken yet."""
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(SyncTask).where(
            SyncTask.status == "pending", SyncTask.last_flow_run_id.is_(None))) or 0


def baseline(count: int) -> float:
    """Seconds to create ``count`` scheduled runs of the deployment with Prefect's client
    alone (the same parameters, tags and idempotency keys, no store)."""
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(SYNC_DEPLOYMENT)
        started = time.perf_counter()
        for number in range(count):
            client.create_flow_run_from_deployment(
                deployment.id, parameters={"dossier_id": -1 - number}, state=Scheduled(),
                name=f"Baseline {number}", tags=["office:0", f"dossier:{-1 - number}"],
                idempotency_key=uuid.uuid4().hex)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=500, help="dossiers per dispatch sweep")
    parser.add_argument("--baseline-runs", type=int, default=1000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    with databases(args.database, prefect=True) as cluster:
        stack = Stack(env=prefect_env(RUN_DIR, PORT, os.environ["DOORSTROOM_DATABASE_URL"]))
        try:
            migrate()
            start_prefect_server(stack, RUN_DIR / "prefect-server.log")
            [sync] = [item for item in declared() if item.name == "sync-dossier"]
            register(sync)
            started = time.perf_counter()
            seed(args.dossiers)
            print(f"seeded {args.dossiers} dossiers in {time.perf_counter() - started:.1f} s",
                  flush=True)
            server = stack.processes[0].pid
            base_s = baseline(args.baseline_runs)
            print(f"baseline: {args.baseline_runs} runs with the bare client in {base_s:.1f} s",
                  flush=True)
            cpu = (cpu_seconds(server), time.process_time(), postgres_cpu_seconds())
            started = time.perf_counter()
            runs = sweeps = 0
            while unassigned():
                runs += dispatch(limit=args.limit)
                sweeps += 1
            took = time.perf_counter() - started
            server_s = cpu_seconds(server) - cpu[0]
            worker_s = time.process_time() - cpu[1]
            database_s = postgres_cpu_seconds() - cpu[2]
        finally:
            stack.stop()
    runs_per_s = runs / took
    base_per_s = args.baseline_runs / base_s
    print(f"dispatch: {runs} runs in {sweeps} sweeps, {took:.1f} s")
    print(json.dumps({
        "database": args.database, "dossiers": args.dossiers, "runs": runs,
        "runs_per_s": round(runs_per_s, 1),
        "server_cpu_s_per_run": round(server_s / runs, 4),
        "worker_cpu_s_per_run": round(worker_s / runs, 4),
        "database_cpu_s_per_run": round(database_s / runs, 4) if cluster else None,
        "baseline_runs_per_s": round(base_per_s, 1),
        "ratio": round(runs_per_s / base_per_s, 2)}))


if __name__ == "__main__":
    main()
