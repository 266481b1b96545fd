"""Throughput mode of the worker: scheduled flow runs execute in threads of one process.

Prefect's own runner (``serve``) starts a fresh Python process for every flow run; measured
here that costs 2 to 3 CPU-seconds per run, which is most of the work when a dossier has a few
dozen documents. In this mode the worker claims scheduled runs of its deployments through the
Prefect API (``Scheduled → Pending``, which only one worker can win) and hands each to Prefect's
flow engine (``run_flow``) in a thread. States, names, messages, logs, task runs, retries and
the UI's Retry button behave exactly as with ``serve``.

What it gives up: process isolation (a run that leaks memory or hangs a thread stays in the
worker) and cancellation from the UI (a thread cannot be killed; a cancelled run finishes its
current task). ``--process-per-run`` keeps both.

Heartbeats: the worker sends ``prefect.flow-run.heartbeat`` for every run it executes, from one
thread, every ``heartbeat_seconds``. (Prefect's engine can send them itself, one thread per
run, but joins that thread for about a second at the end of every run: a quarter of the
throughput in ``bench/throughput.py``.) When the worker dies the heartbeats stop, and the
``doorstroom-no-heartbeat`` automation crashes its runs, which are then recovered.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.events import emit_event
from prefect.exceptions import Abort
from prefect.flow_engine import run_flow
from prefect.flows import Flow
from prefect.states import Pending
from prefect.utilities.engine import propose_state_sync

log = logging.getLogger(__name__)


class InProcessWorker:
    """Polls for scheduled runs of ``deployments`` and runs up to ``limit`` of them at once."""

    def __init__(self, deployments: dict[UUID, Flow[Any, Any]], limit: int = 8,
                 poll_seconds: float = 1.0, heartbeat_seconds: float = 30.0) -> None:
        self.deployments = deployments
        self.limit = limit
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.stopping = threading.Event()
        self._active: set[Future[Any]] = set()
        self._running: dict[UUID, str] = {}  # flow run id → name, for heartbeats
        self._lock = threading.Lock()
        self._finished = threading.Event()

    def run(self) -> None:
        """Poll and execute until :meth:`stop` is called; then wait for running flow runs."""
        threading.Thread(target=self._beat, name="heartbeats", daemon=True).start()
        try:
            self._serve()
        finally:
            self._finished.set()

    def _serve(self) -> None:
        with ThreadPoolExecutor(self.limit, thread_name_prefix="flow-run") as pool:
            while not self.stopping.is_set():
                self._active = {f for f in self._active if not f.done()}
                free = self.limit - len(self._active)
                for flow_run in self._claim(free) if free > 0 else []:
                    self._active.add(pool.submit(self._execute, flow_run))
                self.stopping.wait(self.poll_seconds)

    def stop(self) -> None:
        """Stop claiming new runs."""
        self.stopping.set()

    def _claim(self, free: int) -> list[FlowRun]:
        """Scheduled runs that this worker won the ``Pending`` transition for."""
        with get_client(sync_client=True) as client:
            runs = client.get_scheduled_flow_runs_for_deployments(
                deployment_ids=list(self.deployments),
                scheduled_before=datetime.now(UTC) + timedelta(seconds=1), limit=free)
            claimed = []
            for flow_run in runs:
                try:
                    state = propose_state_sync(client, Pending(), flow_run_id=flow_run.id)
                except Abort:
                    continue  # another worker claimed it first
                if state.is_pending():
                    claimed.append(client.read_flow_run(flow_run.id))
            return claimed

    def _execute(self, flow_run: FlowRun) -> None:
        assert flow_run.deployment_id is not None
        flow = self.deployments[flow_run.deployment_id]
        started = time.monotonic()
        with self._lock:
            self._running[flow_run.id] = flow_run.name
        try:
            state = run_flow(flow, flow_run=flow_run, parameters=flow_run.parameters,
                             return_type="state")
            log.info("flow run %s ended %s in %.1f s", flow_run.name,
                     getattr(state, "name", state), time.monotonic() - started)
        except BaseException:  # the engine records the state; keep the worker alive
            log.exception("flow run %s raised out of the engine", flow_run.id)
        finally:
            with self._lock:
                self._running.pop(flow_run.id, None)

    def _beat(self) -> None:
        """Send a heartbeat for every run in progress, until the worker stops."""
        while not self._finished.wait(self.heartbeat_seconds):
            with self._lock:
                running = list(self._running.items())
            for run_id, name in running:
                try:
                    emit_event(event="prefect.flow-run.heartbeat", resource={
                        "prefect.resource.id": f"prefect.flow-run.{run_id}",
                        "prefect.resource.name": name})
                except Exception:  # a missed beat is not worth stopping the worker for
                    log.exception("heartbeat for flow run %s not sent", run_id)
