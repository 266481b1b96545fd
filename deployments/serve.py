"""The embedded worker: serves ``sync-dossier`` and a scheduled ``dispatch``.

``python -m deployments.serve`` runs flow runs in threads of this process
(:mod:`deployments.in_process`): measured several times cheaper per flow run than
a process each. ``--process-per-run`` uses Prefect's own runner (``serve``) instead: each
flow run in its own process, with cancellation from the UI.
"""

from __future__ import annotations

import argparse
import os
import signal
from datetime import timedelta
from types import FrameType
from typing import Any
from uuid import UUID

from prefect import serve
from prefect.flows import Flow
from prefect.schedules import Cron

from deployments.in_process import InProcessWorker
from doorstroom.settings import get_settings
from flows.dispatch import dispatch
from flows.master_data import refresh_master_data
from flows.notify import daily_digest, notify_support
from flows.recheck import recheck
from flows.recover import recover_interrupted
from flows.sync_dossier import sync_dossier


def served(dispatch_every: float) -> list[tuple[Any, Flow[Any, Any]]]:
    """The deployments this worker serves, each with its flow."""
    return [
        (sync_dossier.to_deployment(name="sync-dossier", tags=["doorstroom"]), sync_dossier),
        (dispatch.to_deployment(name="dispatch", tags=["doorstroom"],
                                interval=timedelta(seconds=dispatch_every)), dispatch),
        (refresh_master_data.to_deployment(name="refresh-master-data", tags=["doorstroom"],
                                           cron="0 5 * * *"), refresh_master_data),
        (recover_interrupted.to_deployment(name="recover-interrupted", tags=["doorstroom"],
                                           interval=timedelta(minutes=5)), recover_interrupted),
        (notify_support.to_deployment(name="notify-support", tags=["doorstroom"]),
         notify_support),
        (recheck.to_deployment(
            name="recheck", tags=["doorstroom"],
            interval=timedelta(seconds=get_settings().recheck_every_seconds)), recheck),
        (daily_digest.to_deployment(
            name="daily-digest", tags=["doorstroom"],
            schedule=Cron("0 7 * * 1-5", timezone=get_settings().timezone)), daily_digest),
    ]


def serve_in_process(dispatch_every: float, limit: int) -> None:
    """Register the deployments, then execute their runs in threads until SIGINT/SIGTERM."""
    flows: dict[UUID, Flow[Any, Any]] = {
        deployment.apply(): flow for deployment, flow in served(dispatch_every)}
    worker = InProcessWorker(flows, limit=limit)

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print("Serving Doorstroom's deployments in-process, polling for runs.", flush=True)
    worker.run()


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dispatch-every", type=float, default=15.0,
                        help="seconds between dispatch runs (default 15)")
    parser.add_argument("--limit", type=int, default=8,
                        help="flow runs executed at the same time (default 8)")
    parser.add_argument("--process-per-run", action="store_true",
                        help="Prefect's runner: one process per flow run (cancellable from the UI)")
    args = parser.parse_args(argv)
    if args.process_per_run:
        # Each run's own process sends its heartbeats (the in-process worker sends them itself)
        os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30")
        serve(*(deployment for deployment, _ in served(args.dispatch_every)), limit=args.limit)
    else:
        serve_in_process(args.dispatch_every, args.limit)


if __name__ == "__main__":
    main()
