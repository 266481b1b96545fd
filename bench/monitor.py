"""Monitor page latency at scale: 10,000 dossiers and 200,000 tasks (5% failed).

    python bench/monitor.py [--dossiers 10000] [--tasks 200000] [--repeat 30]
    python bench/monitor.py --database postgresql --dossiers 100000 --tasks 5000000 [--explain]

``--database postgresql`` seeds a throw-away PostgreSQL cluster on 127.0.0.1 (the one the
scale tests start, Debian's server) instead of the SQLite file; its SQL statements of each page
are written to ``sql-<page>.txt`` in the run folder and their first lines printed; with
``--explain`` each with PostgreSQL's own time (``EXPLAIN ANALYZE``), and the plan of any that
takes 20 ms or more.

Seeds the store, logs in through the log-in form, and measures each page server-side (the
ASGI app in process: routing, session, rights queries, catalogue texts, Jinja2 rendering,
security headers): the active-clients list (first and last page as an office-level user,
first page as a dossier-level user), the office-wide follow-up (with its problems), one
dossier's follow-up, the support view, a narrowed follow-up, one task's page and the CSV
export. Prints p50/p95 and SQL statements per page. The baseline in the same run is
the bare rights query behind the active-clients page, so the page/query ratio is printed too.
Last line: one JSON object with ``p95_ms`` (the worst page's p95) and ``dossiers``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-bench-monitor-"))
os.environ["DOORSTROOM_DATABASE_URL"] = f"sqlite:///{RUN_DIR / 'store.db'}"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from bench.clusters import databases  # noqa: E402
from doorstroom.monitor.app import PER_PAGE, create_app  # noqa: E402
from doorstroom.monitor.config import MonitorConfig  # noqa: E402
from doorstroom.monitor.passwords import hash_password  # noqa: E402
from doorstroom.store.db import default_engine, migrate, session_scope  # noqa: E402
from doorstroom.store.models import (  # noqa: E402
    Document,
    Dossier,
    DossierRight,
    Office,
    SyncTask,
    User,
    UserRole,
    utcnow,
)
from doorstroom.store.queries import Viewer, active_clients  # noqa: E402
from doorstroom.store.summaries import rebuild  # noqa: E402

OFFICES = 20
PASSWORD = "bench password 1"
CODES = [("exact_online.dossier_rights_missing", {"dossier": "XYZ"}),
         ("no_open_booking_period", {"period": "201802"}),
         ("unexpected_response", {"package": "Exact Online", "problem": "HTML page"})]


def _document(dossier: int, number: int) -> dict[str, object]:
    return {"dossier_id": dossier, "kind": "purchase_invoice", "number": f"INV-{number:07d}",
            "issue_date": date(2026, 3, 1), "party_name": f"Supplier {number % 997}",
            "party_vat": "BE0123456789", "party_key": f"vat:BE0123456789:{number % 997}",
            "content_sha256": f"{number:064x}", "currency": "EUR", "total_excl": 100,
            "total_vat": 21, "total_incl": 121, "proposal": {}, "created_at": utcnow()}


CHUNK = 50_000
"""Rows per insert while seeding: millions of rows never sit in memory at once."""


def _task(rng: random.Random, dossiers: int, number: int, now: object) -> dict[str, object]:
    failed = rng.random() < 0.05
    code, params = rng.choice(CODES)
    return {"dossier_id": 1 + rng.randrange(dossiers), "kind": "post_booking",
            "document_id": number + 1, "status": "failed" if failed else "done",
            "responsibility": rng.choice(["support", "employee"]) if failed else None,
            "failure_code": code if failed else None,
            "failure_params": params if failed else None, "attempts": 1,
            "urgent": False, "created_at": now, "updated_at": now,
            "last_flow_run_id": "0b5c1f7e-8a7e-4a53-9b9a-3f5d0c7a1e2b"}


SEED_DOCUMENTS = """
INSERT INTO documents (dossier_id, kind, number, issue_date, party_name, party_vat, party_key,
                       content_sha256, currency, total_excl, total_vat, total_incl, proposal,
                       created_at)
SELECT 1 + floor(random() * :dossiers)::int, 'purchase_invoice', 'INV-' || lpad(n::text, 7, '0'),
       DATE '2026-03-01', 'Supplier ' || (n % 997), 'BE0123456789',
       'vat:BE0123456789:' || (n % 997), lpad(to_hex(n), 64, '0'), 'EUR', 100, 21, 121,
       '{}'::json, now()
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n
"""
SEED_TASKS = """
INSERT INTO sync_tasks (dossier_id, kind, document_id, status, responsibility, failure_code,
                        failure_params, attempts, urgent, created_at, updated_at,
                        last_flow_run_id)
SELECT d.dossier_id, 'post_booking', d.id, CASE WHEN r.f < 0.05 THEN 'failed' ELSE 'done' END,
       CASE WHEN r.f < 0.05 THEN CASE WHEN r.g < 0.5 THEN 'support' ELSE 'employee' END END,
       CASE WHEN r.f < 0.05 THEN (ARRAY[:code0, :code1, :code2])[r.c] END,
       CASE WHEN r.f < 0.05 THEN (ARRAY[CAST(:params0 AS json), CAST(:params1 AS json),
                                        CAST(:params2 AS json)])[r.c] END,
       1, false, now(), now(), '0b5c1f7e-8a7e-4a53-9b9a-3f5d0c7a1e2b'
FROM documents AS d
CROSS JOIN LATERAL (SELECT random() + d.id * 0 AS f, random() + d.id * 0 AS g,
                           1 + floor(random() * 3)::int + d.id * 0 AS c) AS r
WHERE d.id BETWEEN CAST(:first AS bigint) AND CAST(:last AS bigint)
"""


def _seed_rows_in_postgresql(dossiers: int, tasks: int) -> None:
    """The documents and tasks of :func:`seed` made by PostgreSQL itself (generate_series),
    a million at a time: row by row from Python, 5,000,000 took most of an hour."""
    codes = {f"code{i}": code for i, (code, _) in enumerate(CODES)}
    params = {f"params{i}": json.dumps(value) for i, (_, value) in enumerate(CODES)}
    with session_scope() as session:
        session.execute(text("SELECT setseed(0.7)"))
    for first in range(0, tasks, 1_000_000):
        last = min(tasks, first + 1_000_000)
        with session_scope() as session:
            session.execute(text(SEED_DOCUMENTS), {"dossiers": dossiers, "first": first,
                                                   "last": last - 1})
            session.execute(text(SEED_TASKS), {"first": first + 1, "last": last, **codes,
                                               **params})
        print(f"  {last:,} documents and tasks seeded", flush=True)


def seed(dossiers: int, tasks: int) -> dict[str, Viewer]:
    """Offices, dossiers, documents + tasks (5% failed, half each side) and three users."""
    rng = random.Random(7)
    now = utcnow()
    with session_scope() as session:
        session.execute(insert(Office), [{"name": f"Office {i}", "language": "nl",
                                          "created_at": now} for i in range(OFFICES)])
        session.execute(insert(Dossier), [
            {"office_id": 1 + i % OFFICES, "name": f"Dossier {i:06d}", "package": "exact_online",
             "external_id": str(i), "connection_block": "b", "vat_number": "",
             "created_at": now} for i in range(dossiers)])
    if default_engine().dialect.name == "postgresql":
        _seed_rows_in_postgresql(dossiers, tasks)
        with session_scope() as session:  # rows made in SQL: summarised afresh
            rebuild(session)
    for first in range(0, tasks, CHUNK) if default_engine().dialect.name == "sqlite" else ():
        numbers = range(first, min(tasks, first + CHUNK))
        with session_scope() as session:
            session.execute(insert(Document), [_document(1 + rng.randrange(dossiers), n)
                                               for n in numbers])
            session.execute(insert(SyncTask), [_task(rng, dossiers, n, now) for n in numbers])
        if first and first % 1_000_000 == 0:
            print(f"  {first:,} tasks seeded", flush=True)
    with session_scope() as session:
        password = hash_password(PASSWORD)
        users = {role: User(office_id=None if role == UserRole.SUPPORT else 1,
                            email=f"{role.value}@bench.be", name=role.value, role=role,
                            password_hash=password, language="nl")
                 for role in UserRole}
        session.add_all(users.values())
        session.flush()
        session.execute(insert(DossierRight), [
            {"user_id": users[UserRole.DOSSIER].id, "dossier_id": d}
            for d in range(1, dossiers + 1, OFFICES)][:50])
        return {role.value: Viewer.of(user) for role, user in users.items()}


class Statements:
    """Counts SQL statements sent while it is active, and keeps the last call's statements
    with their parameters (to explain them afterwards)."""

    def __init__(self) -> None:
        self.count = 0
        self.texts: list[str] = []
        self.sent: list[tuple[str, object]] = []

    def __call__(self, _conn: object, _cursor: object, statement: str, parameters: object,
                 *_: object) -> None:
        self.count += 1
        self.texts.append(statement)
        self.sent.append((statement, parameters))

    def clear(self) -> None:
        """Forget the statements of the previous call (the count goes on)."""
        self.texts.clear()
        self.sent.clear()


def explain(sent: list[tuple[str, object]]) -> list[float]:
    """PostgreSQL's own execution time (ms) of each statement, from ``EXPLAIN ANALYZE``
    run with the parameters the page sent; the plans of the slow ones are printed."""
    times = []
    raw = default_engine().raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith("SELECT"):
                times.append(0.0)
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = [row[0] for row in cursor.fetchall()]
            found = re.search(r"Execution Time: ([0-9.]+) ms", plan[-1])
            times.append(float(found.group(1)) if found else 0.0)
            if times[-1] >= SLOW_STATEMENT_MS:
                print("\n".join(f"      | {line}" for line in plan), flush=True)
        raw.rollback()
    finally:
        raw.close()
    return times


SLOW_STATEMENT_MS = 20.0
"""A statement that takes this long on its own has its plan printed with ``--explain``."""


def _first_line(statement: str) -> str:
    return " ".join(statement.split())[:110]


def timed(name: str, call: Callable[[], object], repeat: int,
          sql_to: Path | None = None, explained: bool = False) -> dict[str, float]:
    """p50/p95 of ``repeat`` calls after a warm-up, the SQL statements per call; with
    ``sql_to``, the statements of one call are written there and their first lines printed
    (``explained``: each with PostgreSQL's execution time, the slow ones with their plan)."""
    statements = Statements()
    engine = default_engine()
    call()  # warm-up: templates compiled, catalogues read, caches filled
    event.listen(engine, "before_cursor_execute", statements)
    timings = []
    for _ in range(repeat):
        statements.clear()
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    event.remove(engine, "before_cursor_execute", statements)
    result = {"p50_ms": round(statistics.median(timings), 2),
              "p95_ms": round(sorted(timings)[int(0.95 * (len(timings) - 1))], 2),
              "queries": round(statements.count / repeat, 1)}
    print(f"{name:<44} p50 {result['p50_ms']:7.2f} ms   p95 {result['p95_ms']:7.2f} ms   "
          f"{result['queries']:.0f} SQL statements", flush=True)
    if sql_to is not None:
        sql_to.write_text("\n\n".join(statements.texts) + "\n")
        times = explain(statements.sent) if explained else [None] * len(statements.sent)
        for statement, took in zip(statements.texts, times, strict=True):
            spent = f"{took:8.2f} ms " if took is not None else ""
            print(f"    {spent}{_first_line(statement)}", flush=True)
    return result


def logged_in(app: object, role: str) -> TestClient:
    client = TestClient(app, base_url="https://monitor.bench")  # type: ignore[arg-type]
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"email": f"{role}@bench.be", "password": PASSWORD,
                                         "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def page(client: TestClient, url: str) -> Callable[[], object]:
    def get() -> object:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        return answer
    return get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--explain", action="store_true",
                        help="PostgreSQL: time each statement of each page with EXPLAIN "
                             "ANALYZE and print the plans of the slow ones")
    args = parser.parse_args()
    with databases(args.database, prefect=False):
        measure(args)


def measure(args: argparse.Namespace) -> None:
    """Seed, log in, time every page; print the figures."""
    migrate()
    started = time.perf_counter()
    viewers = seed(args.dossiers, args.tasks)
    if args.database == "postgresql":
        with session_scope() as session:  # the planner's statistics, as autovacuum would
            session.execute(text("ANALYZE"))
    print(f"seeded {args.dossiers} dossiers, {args.tasks} tasks and documents in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    time_pages(args, viewers)


def time_pages(args: argparse.Namespace, viewers: dict[str, Viewer]) -> None:
    """Log in as each kind of user and time every page against the seeded store."""
    app = create_app(MonitorConfig(session_key=SecretStr("bench" * 10),
                                   prefect_ui_url="http://127.0.0.1:4200"))
    office, dossier, support = (logged_in(app, role) for role in ("office", "dossier", "support"))
    last = -(-args.dossiers // OFFICES // PER_PAGE)
    own_dossier = 1
    baseline = timed("baseline: the active-clients query alone", lambda: _query(viewers["office"]),
                     args.repeat)
    pages = {
        "active clients, office user, first page": page(office, "/clients"),
        "active clients, office user, last page": page(office, f"/clients?page={last}"),
        "active clients, dossier user": page(dossier, "/clients"),
        "follow-up, whole office": page(office, "/tasks"),
        "follow-up, one dossier (dossier user)": page(dossier, f"/dossiers/{own_dossier}"),
        "support view (all offices)": page(support, "/support"),
        "follow-up, every office (support user)": page(support, "/tasks"),
        "follow-up narrowed: orange, by dossier name": page(
            office, "/tasks?status=employee&dossier=1"),
        "one task's page (document, history)": page(support, "/tasks/1"),
    }
    sql_dir = RUN_DIR if args.database == "postgresql" else None
    results = {name: timed(name, call, args.repeat,
                           sql_dir / f"sql-{number}.txt" if sql_dir else None,
                           explained=args.explain and sql_dir is not None)
               for number, (name, call) in enumerate(pages.items(), 1)}
    # A download, not a page: every open task of the office in one file (not in "worst page").
    download = timed("download: open tasks as CSV, whole office", page(office, "/tasks.csv"),
                     args.repeat)
    worst = max(results.values(), key=lambda r: r["p95_ms"])
    print(f"worst page p95 / baseline query p95: {worst['p95_ms'] / baseline['p95_ms']:.1f}x")
    print(json.dumps({"database": args.database, "dossiers": args.dossiers, "tasks": args.tasks,
                      "p95_ms": worst["p95_ms"], "baseline_query_p95_ms": baseline["p95_ms"],
                      "pages": results, "csv_download": download}))


def _query(viewer: Viewer) -> object:
    with session_scope() as session:
        return active_clients(session, viewer, page=1, per_page=PER_PAGE)


if __name__ == "__main__":
    main()
