"""Monitor query latency at scale: 10,000 dossiers and 200,000 tasks (5% failed).

    python bench/monitor.py [--dossiers 10000] [--tasks 200000] [--repeat 30]

Measures the queries behind the active-clients list (first and last page, office-level and
dossier-level user) and the office-wide follow-up, p50/p95 in ms, with the number of SQL
statements per call. The monitor's pages (issue 4) render on top of exactly these queries;
their end-to-end latency is to be added to this benchmark with the pages.
Last line: one JSON object with ``p95_ms`` (the worst query's p95) and ``dossiers``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-bench-monitor-"))
os.environ["DOORSTROOM_DATABASE_URL"] = f"sqlite:///{RUN_DIR / 'store.db'}"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert  # noqa: E402

from doorstroom.monitor.queries import Viewer, active_clients, tasks_to_follow_up  # noqa: E402
from doorstroom.store.db import default_engine, migrate, session_scope  # noqa: E402
from doorstroom.store.models import (  # noqa: E402
    Dossier,
    DossierRight,
    Office,
    SyncTask,
    User,
    UserRole,
    utcnow,
)

OFFICES = 20


def seed(dossiers: int, tasks: int) -> tuple[Viewer, Viewer]:
    """Offices, dossiers, tasks (5% failed, half of those the employee's) and two users."""
    rng = random.Random(7)
    now = utcnow()
    with session_scope() as session:
        session.execute(insert(Office), [{"name": f"Office {i}", "language": "nl",
                                          "created_at": now} for i in range(OFFICES)])
        session.execute(insert(Dossier), [
            {"office_id": 1 + i % OFFICES, "name": f"Dossier {i:05d}", "package": "exact_online",
             "external_id": str(i), "connection_block": "b", "vat_number": "",
             "created_at": now} for i in range(dossiers)])
        rows = []
        for _ in range(tasks):
            failed = rng.random() < 0.05
            rows.append({"dossier_id": 1 + rng.randrange(dossiers), "kind": "post_booking",
                         "status": "failed" if failed else "done",
                         "responsibility": rng.choice(["support", "employee"]) if failed else None,
                         "attempts": 1, "urgent": False, "created_at": now, "updated_at": now})
        session.execute(insert(SyncTask), rows)
        office_user = User(office_id=1, email="office@x.be", name="o", role=UserRole.OFFICE)
        dossier_user = User(office_id=1, email="dossier@x.be", name="d", role=UserRole.DOSSIER)
        session.add_all([office_user, dossier_user])
        session.flush()
        session.execute(insert(DossierRight), [{"user_id": dossier_user.id, "dossier_id": d}
                                               for d in range(1, dossiers + 1, OFFICES)][:50])
        return Viewer.of(office_user), Viewer.of(dossier_user)


def measure(name: str, call: Callable[[Any], object], repeat: int) -> dict[str, float]:
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    engine = default_engine()
    event.listen(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(repeat):
        with session_scope() as session:
            started = time.perf_counter()
            call(session)
            timings.append((time.perf_counter() - started) * 1000)
    event.remove(engine, "before_cursor_execute", count)
    result = {"p50_ms": round(statistics.median(timings), 2),
              "p95_ms": round(sorted(timings)[int(0.95 * (len(timings) - 1))], 2),
              "queries": statements / repeat}
    print(f"{name:<42} p50 {result['p50_ms']:7.2f} ms   p95 {result['p95_ms']:7.2f} ms   "
          f"{result['queries']:.0f} SQL statements")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    migrate()
    started = time.perf_counter()
    office, dossier = seed(args.dossiers, args.tasks)
    print(f"seeded {args.dossiers} dossiers, {args.tasks} tasks in "
          f"{time.perf_counter() - started:.1f} s")
    per_page = 50
    last = -(-args.dossiers // OFFICES // per_page)
    results = {
        "active clients, office user, first page": measure(
            "active clients, office user, first page",
            lambda s: active_clients(s, office, page=1, per_page=per_page), args.repeat),
        "active clients, office user, last page": measure(
            "active clients, office user, last page",
            lambda s: active_clients(s, office, page=last, per_page=per_page), args.repeat),
        "active clients, dossier user": measure(
            "active clients, dossier user",
            lambda s: active_clients(s, dossier, page=1, per_page=per_page), args.repeat),
        "follow-up, whole office": measure(
            "follow-up, whole office",
            lambda s: tasks_to_follow_up(s, office, limit=200), args.repeat),
    }
    print(json.dumps({"dossiers": args.dossiers, "tasks": args.tasks,
                      "p95_ms": max(r["p95_ms"] for r in results.values()),
                      "scope": "queries (pages to follow with issue 4)"}))


if __name__ == "__main__":
    main()
