"""The embedded worker: serves every deployment that ``prefect.yaml`` declares.

``python -m deployments.serve`` runs flow runs in threads of this process
(:mod:`deployments.in_process`): measured several times cheaper per flow run than
a process each. ``--process-per-run`` uses Prefect's own runner instead: each flow run in its
own process, forked from one that has the flows imported (:mod:`deployments.process_per_run`),
with cancellation from the UI.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, TypeVar
from uuid import UUID

from prefect.flows import Flow

from connectors.attempt import ORCHESTRATOR_ERRORS
from deployments.declared import Declared, declared
from deployments.in_process import MAX_POLL_BACKOFF, InProcessWorker, Lane
from deployments.prefect_clients import share_tls_contexts
from deployments.process_per_run import serve_process_per_run

T = TypeVar("T")

SYNC_QUEUE = "sync"
"""The work queue of sync runs in ``prefect.yaml``; the other queues are housekeeping."""
HOUSEKEEPING_POLL_SECONDS = 3.0
"""The housekeeping queues (dispatch, recover, e-mails, incidents, decisions) are asked for
runs every 3 s, the sync queue every second: each ask is a write on the Prefect server, and
on SQLite the four queues' asks were a quarter of the API requests that write, at a document
a second (``bench/latency.py``). Their runs are scheduled minutes apart or follow an event."""


def served(every: Mapping[str, float] | None = None) -> list[Declared]:
    """The deployments of ``prefect.yaml``; ``every`` overrides named intervals (seconds)."""
    every = every or {}
    return [item.every(every[item.name]) if item.name in every else item
            for item in declared()]


def lanes(deployments: list[Declared], limit: int, housekeeping: int) -> list[Lane]:
    """Register the deployments; sync runs get ``limit`` slots, every other queue its own."""
    by_queue: dict[str, dict[UUID, Flow[Any, Any]]] = {}
    for item in deployments:
        by_queue.setdefault(item.queue, {})[register(item)] = item.flow
    return [Lane(queue, flows, limit) if queue == SYNC_QUEUE
            else Lane(queue, flows, housekeeping, poll_seconds=HOUSEKEEPING_POLL_SECONDS)
            for queue, flows in by_queue.items()]


def register(item: Declared) -> UUID:
    """Register one deployment for the in-process worker (waiting for Prefect if away)."""
    return until_reachable(item.name, lambda: item.to_deployment().apply())


def until_reachable(name: str, call: Callable[[], T]) -> T:
    """Register deployment ``name`` with ``call``, waiting for Prefect should it be away (a
    worker started during an outage, or just before its server, waits instead of exiting)."""
    wait = 1.0
    while True:
        try:
            return call()
        except ORCHESTRATOR_ERRORS as error:
            print(f"Prefect is not reachable ({type(error).__name__}); registering "
                  f"{name} again in {wait:.0f} s", flush=True)
            time.sleep(wait)
            wait = min(MAX_POLL_BACKOFF, wait * 2)


def serve_in_process(deployments: list[Declared], limit: int, housekeeping: int) -> None:
    """Register the deployments, then execute their runs in threads until SIGINT/SIGTERM."""
    worker = InProcessWorker(lanes(deployments, limit, housekeeping))

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print("Serving Doorstroom's deployments in-process, polling for runs.", flush=True)
    if worker.run():
        # Crashed runs' threads are still busy; joining them would hold the stop up.
        logging.shutdown()
        os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", action="append", default=[], metavar="NAME=SECONDS",
                        help="serve deployment NAME on another interval than prefect.yaml's "
                             "(e.g. dispatch=10); repeatable")
    parser.add_argument("--limit", type=int, default=8,
                        help="flow runs executed at the same time (default 8)")
    parser.add_argument("--housekeeping-limit", type=int, default=2,
                        help="slots of the housekeeping flows (dispatch, recover, recheck, "
                             "e-mails), apart from the sync runs' (default 2)")
    parser.add_argument("--process-per-run", action="store_true",
                        help="Prefect's runner: one process per flow run (cancellable from the UI)")
    args = parser.parse_args(argv)
    deployments = served(parse_every(args.every))
    share_tls_contexts()
    if args.process_per_run:
        serve_process_per_run(deployments, args.limit, until_reachable)
    else:
        serve_in_process(deployments, args.limit, args.housekeeping_limit)


def parse_every(pairs: list[str]) -> dict[str, float]:
    """``["dispatch=10"]`` → ``{"dispatch": 10.0}``; a malformed pair is a usage error."""
    every = {}
    for pair in pairs:
        name, _, seconds = pair.partition("=")
        try:
            every[name] = float(seconds)
        except ValueError:
            raise SystemExit(f"--every takes NAME=SECONDS, not {pair!r}") from None
    return every


if __name__ == "__main__":
    main()
