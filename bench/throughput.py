"""Documents per second through the whole stack vs. a bare loop over the same connector.

Both paths book into the same Exact Online sandbox (no injected latency), in the same run:
- bare: a loop calling ``ExactOnlineConnector.post_booking`` for every document, once before
  and once after the orchestrated run, so that the baseline sees the machine as it was during
  the run (its speed drifts by up to a third between runs here); the mean of the two is the
  baseline;
- orchestrated: documents in the store → ``dispatch`` → one served ``sync-dossier`` flow run
  per dossier on a real Prefect server and worker → the same connector.

    python bench/throughput.py [--documents 1000] [--dossiers 50] [--worker-limit 4]
                               [--process-per-run] [--database postgresql]

With ``--dispatch-every 15`` the ``dispatch`` deployment is also served every 15 s while the
orchestrated documents are booked: the gaps between its runs show whether housekeeping keeps
its pace while every sync slot is busy (its own lane of the worker).

The last line is one JSON object: orchestrated_docs_per_s, bare_docs_per_s (and each bare
loop's, bare_docs_per_s_before_after), ratio,
dispatch_gap_p95_s, dispatch_gap_p95_ratio (p95 gap ÷ interval), ...
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deployments.bench_env import embedded_env, fresh_run

RUN_DIR, PORT = fresh_run("doorstroom-bench-")

os.environ.update(embedded_env(RUN_DIR, PORT))

from prefect.exceptions import PrefectHTTPStatusError  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.clusters import databases  # noqa: E402
from bench.figures import cpu_seconds, p95, print_profile, profiled  # noqa: E402
from blocks.exact_online import ExactOnlineConnection  # noqa: E402
from connectors.base import DossierRef  # noqa: E402
from connectors.exact_online.connector import ExactOnlineConnector  # noqa: E402
from connectors.exact_online.sandbox import ExactSandboxState, create_app  # noqa: E402
from connectors.sandbox_server import SandboxServer  # noqa: E402
from deployments.local_stack import (  # noqa: E402
    Stack,
    prefect_env,
    start_prefect_server,
    start_worker,
    wait_for_deployment,
)
from doorstroom.documents.proposal import BookingRequest  # noqa: E402
from doorstroom.store.db import migrate, session_scope  # noqa: E402
from doorstroom.store.models import SyncTask, TaskStatus  # noqa: E402
from flows.dispatch import dispatch  # noqa: E402
from tests.helpers import A_PDF, a_dossier, a_proposal, an_office, documents_for  # noqa: E402
from tests.postgres import Postgres  # noqa: E402


def connection(state: ExactSandboxState, url: str) -> ExactOnlineConnection:
    # No call limits: this measures orchestration; bench/rate_limit.py measures the limits.
    return ExactOnlineConnection(base_url=url, client_id=state.client_id,
                                 client_secret=SecretStr(state.client_secret),
                                 refresh_token=SecretStr(state.issue_refresh_token()),
                                 calls_per_minute=0, calls_per_day=0)


BARE_BEFORE, ORCHESTRATED, BARE_AFTER = 10_000, 20_000, 30_000
"""The first Exact division of each path: every path books into divisions of its own."""


def bare_loop(state: ExactSandboxState, url: str, documents: int, dossiers: int,
              first_division: int) -> float:
    """Seconds for the bare loop to book ``documents`` over ``dossiers`` divisions."""
    per = documents // dossiers
    conn = connection(state, url)
    started = time.perf_counter()
    for d in range(dossiers):
        code = first_division + d
        state.add_division(code, f"Bare {d}")
        connector = ExactOnlineConnector(conn, DossierRef(d, f"Bare {d}", str(code)))
        for i in range(per):
            connector.post_booking(BookingRequest(document_id=d * per + i,
                                                  proposal=a_proposal(), attachments=[A_PDF]))
        connector.close()
    return time.perf_counter() - started


def bare(state: ExactSandboxState, url: str, args: argparse.Namespace, first_division: int,
         when: str) -> float:
    """One bare loop over all the documents, printed; its seconds."""
    seconds = bare_loop(state, url, args.documents, args.dossiers, first_division)
    print(f"bare loop {when} the orchestrated run: {args.documents} documents in "
          f"{seconds:.1f} s = {args.documents / seconds:.1f} docs/s")
    return seconds


def orchestrated(state: ExactSandboxState, url: str, documents: int, dossiers: int) -> float:
    """Seconds from dispatch until every document is booked through Prefect."""
    per = documents // dossiers
    connection(state, url).save("bench-exact", overwrite=True)
    office = an_office("Bench office")
    for d in range(dossiers):
        code = ORCHESTRATED + d
        state.add_division(code, f"Orchestrated {d}")
        documents_for(a_dossier(office, f"Orchestrated {d}", code, "bench-exact"),
                      [a_proposal() for _ in range(per)])
    started = time.perf_counter()
    for attempt in range(5):  # a busy SQLite Prefect server may answer 503 for a moment
        try:
            dispatch()
            break
        except PrefectHTTPStatusError:
            if attempt == 4:
                raise
            time.sleep(2)
    print(f"dispatch created {dossiers} flow runs in {time.perf_counter() - started:.1f} s")
    while True:
        with session_scope() as session:
            open_tasks = session.scalar(select(func.count()).select_from(SyncTask).where(
                SyncTask.status.not_in([TaskStatus.DONE, TaskStatus.FAILED])))
        if not open_tasks:
            return time.perf_counter() - started
        time.sleep(0.2)


PREFECT_TABLES = ("events", "event_resources", "flow_run", "flow_run_state", "task_run",
                  "task_run_state", "log", "artifact")


def prefect_rows(cluster: Postgres | None) -> dict[str, int]:
    """Rows of the Prefect server's database (its SQLite file, or the cluster's ``prefect``
    database): what one document costs it."""
    return {table: prefect_count(cluster, f"SELECT count(*) FROM {table}")
            for table in PREFECT_TABLES}


def prefect_count(cluster: Postgres | None, query: str) -> int:
    """One count from the Prefect server's database, read while it runs."""
    if cluster is not None:
        engine = create_engine(cluster.url("prefect"))
        with engine.connect() as connection:
            found = int(connection.execute(text(query)).scalar_one())
        engine.dispose()
        return found
    database = RUN_DIR / "prefect" / "prefect.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return int(connection.execute(query).fetchone()[0])


DOCUMENT_EVENTS = "SELECT count(*) FROM events WHERE event LIKE 'prefect.task-run.%'"
"""A document's events: its task run's three states (a booking done has no event of ours)."""


def events_trail(cluster: Postgres | None, documents: int, limit: float = 120.0) -> float:
    """Seconds after the last booking until Prefect has stored the events of ``documents``
    (its event persister writes in batches, and trails the runs under load); at most
    ``limit``."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if prefect_count(cluster, DOCUMENT_EVENTS) >= 3 * documents:
            break
        time.sleep(0.5)
    return time.perf_counter() - started


def flow_run_timings() -> str:
    """Mean run time and start delay of the sync-dossier flow runs, from the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["sync-dossier"])), limit=200)
    if not runs:
        return "no flow runs"
    run_s = sum(r.total_run_time.total_seconds() for r in runs) / len(runs)
    delays = [(r.start_time - r.expected_start_time).total_seconds() for r in runs
              if r.start_time and r.expected_start_time]
    delay = sum(delays) / max(len(delays), 1)
    return (f"sync-dossier runs: {len(runs)}, mean run time {run_s:.1f} s, "
            f"mean start delay {delay:.1f} s")


def dispatch_gaps(since: float) -> list[float]:
    """Seconds between the starts of consecutive dispatch runs since ``since`` (epoch s)."""
    from datetime import UTC, datetime

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
    )

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["dispatch"])),
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(
                after_=datetime.fromtimestamp(since, UTC))), limit=200)
    starts = sorted(r.start_time.timestamp() for r in runs if r.start_time)
    return [later - earlier for earlier, later in itertools.pairwise(starts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--dossiers", type=int, default=50)
    parser.add_argument("--worker-limit", type=int, default=8)
    parser.add_argument("--dispatch-every", type=float, default=3600.0,
                        help="serve dispatch on this interval during the load and report "
                             "the gaps between its runs (e.g. 15, prefect.yaml's)")
    parser.add_argument("--process-per-run", action="store_true",
                        help="Prefect's runner (one process per flow run) instead of in-process")
    parser.add_argument("--profile", type=Path, metavar="FOLDER",
                        help="record the server and the worker with py-spy during the "
                             "orchestrated run; print their top functions")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: the Prefect server and the store on a throw-away "
                             "cluster instead of the embedded SQLite files")
    args = parser.parse_args()
    with databases(args.database, prefect=True) as cluster:
        measure(args, cluster)


def measure(args: argparse.Namespace, cluster: Postgres | None) -> None:
    """Book the documents both ways; print the figures and the JSON line."""
    migrate()
    state = ExactSandboxState()
    stack = Stack(env=prefect_env(RUN_DIR, PORT, os.environ["DOORSTROOM_DATABASE_URL"]))
    with SandboxServer(create_app(state)) as sandbox:
        try:
            start_prefect_server(stack, RUN_DIR / "prefect-server.log")
            mode = ["--process-per-run"] if args.process_per_run else []
            worker = start_worker(stack, RUN_DIR / "worker.log",
                                  f"--every=dispatch={args.dispatch_every}",
                                  "--limit", str(args.worker_limit), *mode)
            wait_for_deployment(stack, "sync-dossier/sync-dossier", worker)
            bare_before_s = bare(state, sandbox.url, args, BARE_BEFORE, "before")
            pids = {"prefect server": stack.processes[0].pid, "worker": worker.pid,
                    "bench + sandbox": os.getpid()}
            def cpu(name: str) -> float:
                return cpu_seconds(pids[name], children=name != "bench + sandbox")

            before = {name: cpu(name) for name in pids}
            profiles = profiled(pids, args.profile)
            load_started = time.time()
            orch_s = orchestrated(state, sandbox.url, args.documents, args.dossiers)
            trail_s = events_trail(cluster, args.documents)
            print(f"Prefect's stored events trailed the last booking by {trail_s:.1f} s")
            for profile in profiles:
                print_profile(profile.name, profile.stop())
            gaps = dispatch_gaps(load_started)
            print(f"dispatch (every {args.dispatch_every:.0f} s) during the load: "
                  f"{len(gaps) + 1} runs, gap p95 {p95(gaps):.1f} s, max "
                  f"{max(gaps, default=0):.1f} s")
            print("CPU seconds during the orchestrated run: " + ", ".join(
                f"{name} {cpu(name) - before[name]:.1f}" for name in pids))
            print(f"orchestrated: {args.documents} documents in {orch_s:.1f} s "
                  f"= {args.documents / orch_s:.1f} docs/s "
                  f"({args.dossiers} flow runs, worker limit {args.worker_limit}, "
                  f"{'process per run' if args.process_per_run else 'in-process'})")
            print(flow_run_timings())
            bare_after_s = bare(state, sandbox.url, args, BARE_AFTER, "after")
        finally:
            stack.stop()
    bare_s = (bare_before_s + bare_after_s) / 2
    with session_scope() as session:
        failed = session.scalar(select(func.count()).select_from(SyncTask).where(
            SyncTask.status != TaskStatus.DONE))
    entries = sum(len(state.entries(code)) for code in state.divisions
                  if ORCHESTRATED <= code < BARE_AFTER)
    calls = {path: sum(n for division, n in state.daily_calls.items()
                       if division.isdigit() and int(division) // 10_000 * 10_000 in first)
             / len(first)  # the bare loop books every document twice
             for path, first in (("bare", (BARE_BEFORE, BARE_AFTER)),
                                 ("orchestrated", (ORCHESTRATED,)))}
    print(f"Exact API calls per document: bare {calls['bare'] / args.documents:.1f}, "
          f"orchestrated {calls['orchestrated'] / args.documents:.1f}")
    print(f"orchestrated entries in sandbox: {entries}; tasks not done: {failed}")
    rows = prefect_rows(cluster)
    result = {
        "database": args.database, "documents": args.documents, "dossiers": args.dossiers,
        "orchestrated_docs_per_s": round(args.documents / orch_s, 2),
        "bare_docs_per_s": round(args.documents / bare_s, 2),
        "bare_docs_per_s_before_after": [round(args.documents / bare_before_s, 2),
                                         round(args.documents / bare_after_s, 2)],
        "ratio": round(bare_s / orch_s, 3),
        "orchestrated_entries": entries, "tasks_not_done": failed,
        "exact_calls_per_document": {path: round(n / args.documents, 1)
                                     for path, n in calls.items()},
        "prefect_events_per_document": round(rows["events"] / args.documents, 1),
        "events_trail_s": round(trail_s, 1),
        "prefect_rows": rows,
        "worker": "process-per-run" if args.process_per_run else "in-process",
        "worker_limit": args.worker_limit,
        "dispatch_every_s": args.dispatch_every,
        "dispatch_gap_p95_s": round(p95(gaps), 1),
        "dispatch_gap_p95_ratio": round(p95(gaps) / args.dispatch_every, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
