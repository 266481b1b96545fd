"""One incident per outage: a 503 outage of Exact Online over many divisions, measured.

    python bench/outage.py [--divisions 200]

On the embedded stack (Prefect server on SQLite, the in-process worker, an Exact Online
sandbox, the store on SQLite, an SMTP mailbox), two phases over ``--divisions`` divisions
with one document each:

1. **Baseline**: the package answers; the time to book every document.
2. **Outage**: every call answers 503 until every task has failed; then the package answers
   again. Counts the incidents opened, support's e-mails (the incident's one notice and any
   per-run notice), documents booked twice, 429s; and the time from the end of the outage
   until every document is booked, as a ratio of the baseline's.

Last line: one JSON object with ``incidents``, ``support_mails``, ``duplicates``,
``recovery_s`` (and the baseline, the ratio, ``http_429``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-outage-"))
PORT = 4232
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deployments.bench_env import embedded_env  # noqa: E402  (no Prefect)

os.environ.update(embedded_env(RUN_DIR, PORT) | {
    "DOORSTROOM_RETRY_DELAYS": "[1, 2, 4]",
    "DOORSTROOM_INCIDENT_PROBE_SECONDS": "5",
})

from blocks.smtp import SMTP_BLOCK  # noqa: E402
from connectors.exact_online.sandbox import ExactOnlineSandbox  # noqa: E402
from connectors.sandbox_server import SandboxServer, free_port  # noqa: E402
from deployments.demo.mailbox import Mailbox  # noqa: E402
from deployments.local_stack import serving_stack  # noqa: E402
from doorstroom.operations.setup import setup  # noqa: E402
from doorstroom.store.db import default_engine, migrate  # noqa: E402
from flows.dispatch import dispatch  # noqa: E402
from tests.outage import play, read_tasks, seed  # noqa: E402
from tests.sandboxes import RunningExact  # noqa: E402

BLOCK = "outage-exact"


def baseline(exact: RunningExact, mailbox: Mailbox, divisions: int) -> float:
    """Seconds to book one document on each of ``divisions`` divisions, nothing failing."""
    task_ids, _support = seed(default_engine(), exact, BLOCK, 60_000, divisions)
    started = time.monotonic()
    dispatch()
    while not all(t.status.value == "done" for t in read_tasks(default_engine(), task_ids)):
        time.sleep(1)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--divisions", type=int, default=200)
    args = parser.parse_args()
    store_url = os.environ["DOORSTROOM_DATABASE_URL"]
    migrate(store_url)
    sandbox = ExactOnlineSandbox()
    mailbox = Mailbox(RUN_DIR / "mail", free_port()).start()
    try:
        with SandboxServer(sandbox.app()) as server, \
                serving_stack(RUN_DIR, PORT, store_url, "--every=dispatch=3600"):
            exact = RunningExact(sandbox, server.url)
            exact.connection().save(BLOCK, overwrite=True)
            mailbox.connection().save(SMTP_BLOCK, overwrite=True)
            setup()
            base = baseline(exact, mailbox, args.divisions)
            print(f"baseline: {args.divisions} documents booked in {base:.1f} s", flush=True)
            outage = play(exact, BLOCK, mailbox, default_engine(), args.divisions,
                          start=dispatch, first=80_000, timeout=1800)
            print(f"outage: {outage}", flush=True)
    finally:
        mailbox.stop()
    figures = outage.figures() | {"baseline_s": round(base, 1),
                                  "recovery_ratio": round(outage.recovery_s / base, 2)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
