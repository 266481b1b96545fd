"""Latency: from a document's arrival at the ingest API until its booking exists in the
package, on the embedded default.

    python bench/latency.py [--dossiers 50] [--rate 1] [--seconds 300] [--database postgresql]
                            [--profile FOLDER]

The embedded stack (Prefect server on SQLite, the in-process worker, the store on SQLite;
``--database postgresql``: the Prefect server and the store on a throw-away PostgreSQL cluster)
with the ingest API served as in the demo (its background task starts the dossier's run on
arrival) and an Exact Online sandbox with the package's own rate limits, the connection set
to them (60 calls a minute, 5,000 a day per division). A client posts
booking proposals at ``--rate`` per second, round robin over ``--dossiers`` dossiers, for
``--seconds``; arrival is the moment the API answered 201, booked the sandbox's ``Created``
stamp of the entry. Every guarantee stays on: one booking per document (checked), the
per-division rate limits (429s counted), one ``sync-dossier`` run per dossier at a time
(the idempotency key and the lease). The baseline, measured in the same run: booking one
document by calling the connector directly (no Prefect, no store) — the bare cost of the
package's calls.

Last line: one JSON object with ``p50_s``, ``p95_s``, ``max_s``, ``documents`` (and the
baseline, ``p50_ratio``, ``duplicates``, ``http_429``, ``unbooked``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-latency-"))
PORT = 4234
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deployments.bench_env import embedded_env  # noqa: E402  (no Prefect)

os.environ.update(embedded_env(RUN_DIR, PORT))

import httpx  # noqa: E402

from bench.clusters import databases  # noqa: E402
from bench.figures import print_profile, profiled  # noqa: E402
from connectors.base import DossierRef  # noqa: E402
from connectors.exact_online.connector import ExactOnlineConnector  # noqa: E402
from connectors.exact_online.sandbox import ExactOnlineSandbox  # noqa: E402
from connectors.sandbox_server import SandboxServer  # noqa: E402
from deployments.local_stack import serving_stack  # noqa: E402
from doorstroom.dispatching import on_arrival  # noqa: E402
from doorstroom.documents.proposal import BookingRequest  # noqa: E402
from doorstroom.ingest_api.app import create_app  # noqa: E402
from doorstroom.ingest_api.auth import issue_token  # noqa: E402
from doorstroom.operations.setup import setup  # noqa: E402
from doorstroom.store.db import migrate, session_scope  # noqa: E402
from doorstroom.store.models import Dossier, Office  # noqa: E402
from tests.helpers import a_proposal  # noqa: E402
from tests.sandboxes import RunningExact  # noqa: E402

BLOCK = "latency-exact"
EXACT_LIMITS = {"calls_per_minute": 60, "calls_per_day": 5000}
"""Exact Online's published limits per division, on the connection as in production."""
FIRST_DIVISION = 70_000


def seed(exact: RunningExact, dossiers: int) -> tuple[str, list[int]]:
    """An office with its API token and ``dossiers`` linked Exact dossiers."""
    with session_scope() as session:
        office = Office(name="Kantoor Latentie")
        session.add(office)
        session.flush()
        token = issue_token(session, office.id)
        ids = []
        for code in range(FIRST_DIVISION, FIRST_DIVISION + dossiers):
            exact.state.add_division(code, f"Latentie {code}")
            dossier = Dossier(office_id=office.id, name=f"Latentie {code}",
                              package="exact_online", external_id=str(code),
                              connection_block=BLOCK)
            session.add(dossier)
            session.flush()
            ids.append(dossier.id)
    return token, ids


def bare_booking_s(exact: RunningExact, rounds: int = 20) -> float:
    """Median seconds to book one document with the connector alone."""
    exact.state.add_division(FIRST_DIVISION - 1, "Baseline")
    connector = ExactOnlineConnector(exact.connection(rate_limited=False),
                                     DossierRef(0, "Baseline", str(FIRST_DIVISION - 1)))
    took = []
    for _ in range(rounds):
        request = BookingRequest(document_id=0, proposal=a_proposal())
        started = time.perf_counter()
        connector.post_booking(request)
        took.append(time.perf_counter() - started)
    connector.close()
    return statistics.median(took)


def created_at(entry: dict[str, object]) -> float:
    """The sandbox's ``Created`` stamp (``/Date(<ms>)/``) in epoch seconds."""
    return int(str(entry["Created"])[6:-2]) / 1000


def play(api: str, token: str, dossiers: list[int], rate: float,
         seconds: float) -> dict[str, tuple[int, float]]:
    """Post at ``rate`` per second for ``seconds``; the arrival moment of each document."""
    arrived: dict[str, tuple[int, float]] = {}
    headers = {"Authorization": f"Bearer {token}"}
    start = time.monotonic()
    with httpx.Client(base_url=api, headers=headers, timeout=30) as client:
        sent = 0
        while time.monotonic() - start < seconds:
            proposal = a_proposal()
            dossier = dossiers[sent % len(dossiers)]
            answer = client.post(f"/api/v1/dossiers/{dossier}/documents/proposal",
                                 json={"proposal": proposal.model_dump(mode="json")})
            if answer.status_code == 201:
                arrived[proposal.number] = (dossier, time.time())
            else:
                print("refused:", answer.status_code, answer.text[:200], file=sys.stderr)
            sent += 1
            time.sleep(max(0.0, start + sent / rate - time.monotonic()))
    return arrived


def booked(exact: RunningExact, count: int) -> dict[str, list[float]]:
    """Each booked invoice number with the moments its entries were created."""
    found: dict[str, list[float]] = {}
    for code in range(FIRST_DIVISION, FIRST_DIVISION + count):
        for entry in exact.state.entries(code):
            found.setdefault(str(entry["YourRef"]), []).append(created_at(entry))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", type=Path, metavar="FOLDER",
                        help="record the server and the worker with py-spy while documents "
                             "arrive (CPU of both, and the worker's wall time)")
    args = parser.parse_args()
    with databases(args.database, prefect=True):
        measure(args)


def measure(args: argparse.Namespace) -> None:
    """Start the stack, post the documents, wait for their bookings; print the figures."""
    store_url = os.environ["DOORSTROOM_DATABASE_URL"]
    migrate(store_url)
    sandbox = ExactOnlineSandbox()
    with SandboxServer(sandbox.app()) as server, \
            serving_stack(RUN_DIR, PORT, store_url, "--every=dispatch=300") as stack, \
            SandboxServer(create_app(on_arrival)) as api:
        exact = RunningExact(sandbox, server.url)
        exact.connection().model_copy(update=EXACT_LIMITS).save(BLOCK, overwrite=True)
        setup()
        baseline = bare_booking_s(exact)
        token, dossiers = seed(exact, args.dossiers)
        profiles = profiled({"prefect server": stack.processes[0].pid,
                             "worker": stack.processes[1].pid}, args.profile)
        arrived = play(api.url, token, dossiers, args.rate, args.seconds)
        for profile in profiles:
            print_profile(profile.name, profile.stop())
        deadline = time.monotonic() + 600
        while (len(entries := booked(exact, args.dossiers)) < len(arrived)
               and time.monotonic() < deadline):
            time.sleep(1)
    waits = sorted(min(entries[number]) - moment for number, (_, moment) in arrived.items()
                   if number in entries)
    quantiles = statistics.quantiles(waits, n=100, method="inclusive") if len(waits) > 1 \
        else waits * 99
    print(json.dumps({
        "database": args.database, "p50_s": round(statistics.median(waits), 2),
        "p95_s": round(quantiles[94], 2),
        "max_s": round(max(waits), 2), "documents": len(arrived),
        "unbooked": len(arrived) - len(waits),
        "duplicates": sum(len(times) - 1 for times in entries.values()),
        "http_429": sandbox.state.http_429, "baseline_booking_s": round(baseline, 3),
        "p50_ratio": round(statistics.median(waits) / baseline, 1)}))


if __name__ == "__main__":
    main()
