"""Throughput mode of the worker: scheduled flow runs execute in threads of one process.

Prefect's own runner (``serve``) starts a fresh Python process for every flow run; measured
here that costs 2 to 3 CPU-seconds per run, which is most of the work when a dossier has a few
dozen documents (``--process-per-run`` forks them ready-made: still ~1.2 CPU-s a run). In
this mode the worker claims scheduled runs of its deployments through the Prefect API
(``Scheduled → Pending``, which only one worker can win) and hands each to Prefect's flow
engine (``run_flow``) in a thread. States, names, messages, logs, task runs, retries and the
UI's Retry button behave exactly as with ``serve``.

What it gives up: process isolation (a run that leaks memory or hangs a thread stays in the
worker) and cancellation from the UI (a thread cannot be killed; a cancelled run finishes its
current task). ``--process-per-run`` keeps both.

Heartbeats: the worker sends ``prefect.flow-run.heartbeat`` for every run it executes, from one
thread, every ``heartbeat_seconds``, and switches the engine's own off for the runs it executes
(Prefect 3.9 sends them by default every 180 s). The engine's thread sends one the moment a run
starts — for a run of a second, a heartbeat racing its Completed into the automations service,
which then saw "no heartbeat for 120 s" after every short run and started a needless
``recover-interrupted`` run each time — and joins that thread for about a second at the end of
every run. When the worker dies its heartbeats stop, and the ``doorstroom-no-heartbeat``
automation crashes its runs, which are then recovered.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import FlowRun
from prefect.context import SyncClientContext
from prefect.events import emit_event
from prefect.exceptions import Abort
from prefect.flow_engine import run_flow
from prefect.flows import Flow
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY
from prefect.states import Pending
from prefect.utilities.engine import propose_state_sync

from doorstroom.prefect_api import SettingsOverride
from flows.recover import crash_if_running

log = logging.getLogger(__name__)
MAX_POLL_BACKOFF = 30.0
"""While Prefect is unreachable the worker polls at most this far apart, and resumes."""
STOP_GRACE = 10.0
"""Seconds a stopping worker gives its running flow runs to end before it crashes them."""
NO_ENGINE_HEARTBEAT = SettingsOverride({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
"""The engine's own heartbeats off for the runs executed here (the worker sends them)."""


@dataclass
class Lane:
    """Deployments that share a number of slots (a work queue of ``prefect.yaml``).

    Sync runs and housekeeping (dispatch, recover, recheck, e-mails) each get their own
    lane, so that a worker busy with sync runs still dispatches and recovers on time.
    """

    name: str
    deployments: dict[UUID, Flow[Any, Any]]
    limit: int
    poll_seconds: float | None = None
    """How often to ask for this lane's scheduled runs; ``None``: every poll of the worker.
    Each ask is a write on the Prefect server (it marks the deployments ready)."""
    active: set[Future[Any]] = field(default_factory=set)
    polled: float = float("-inf")
    """When this lane was last asked for (monotonic clock)."""

    def due(self, now: float, every: float) -> bool:
        """Whether to ask for this lane's runs now, given the worker polls ``every`` s."""
        return now - self.polled >= (self.poll_seconds or every) - 0.01

    def free(self) -> int:
        """Slots free now (finished runs give theirs back)."""
        self.active = {future for future in self.active if not future.done()}
        return self.limit - len(self.active)


class InProcessWorker:
    """Polls for scheduled runs of each lane's deployments; runs up to its limit at once."""

    def __init__(self, lanes: list[Lane], poll_seconds: float = 1.0,
                 heartbeat_seconds: float = 30.0, stop_grace: float = STOP_GRACE) -> None:
        self.lanes = lanes
        self.stop_grace = stop_grace
        self.deployments = {id_: flow for lane in lanes for id_, flow in lane.deployments.items()}
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.stopping = threading.Event()
        self._running: dict[UUID, str] = {}  # flow run id → name, for heartbeats
        self._lost: set[UUID] = set()  # runs whose execution died here, to be crashed
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._api: SyncPrefectClient | None = None  # the polling loop's, kept between polls
        self._threads = threading.local()  # each executing thread's engine client

    def run(self) -> int:
        """Poll and execute until :meth:`stop` is called; then give running flow runs
        ``stop_grace`` seconds to end and crash the rest (``recover-interrupted`` retries
        them elsewhere). Returns how many were crashed: their threads are still busy, so the
        caller must leave the process without joining them."""
        threading.Thread(target=self._beat, name="heartbeats", daemon=True).start()
        try:
            self._serve()
            return self._crash_unfinished()
        finally:
            self._finished.set()

    def _serve(self) -> None:
        wait = self.poll_seconds
        pools = {lane.name: ThreadPoolExecutor(lane.limit, thread_name_prefix=lane.name)
                 for lane in self.lanes}
        try:
            while not self.stopping.is_set():
                try:
                    for lane in self.lanes:
                        free, now = lane.free(), time.monotonic()
                        if free <= 0 or not lane.due(now, self.poll_seconds):
                            continue
                        lane.polled = now
                        for flow_run in self._claim(lane, free):
                            lane.active.add(pools[lane.name].submit(self._execute, flow_run))
                    self._crash_lost_runs()
                    wait = self.poll_seconds
                except Exception as error:  # Prefect away: keep polling, a bit slower
                    self._drop_client()
                    wait = min(MAX_POLL_BACKOFF, wait * 2)
                    log.warning("cannot reach Prefect (%s); polling again in %.0f s",
                                error, wait)
                self.stopping.wait(wait)
        finally:
            self._drop_client()
            for pool in pools.values():
                pool.shutdown(wait=False, cancel_futures=True)

    def _client(self) -> SyncPrefectClient:
        """The polling loop's client, made once: a new one per poll built a new TLS context
        each time (measured: a fifth of the worker's CPU while it executed runs)."""
        if self._api is None:
            client = get_client(sync_client=True)
            client.__enter__()
            self._api = client
        return self._api

    def _drop_client(self) -> None:
        """Forget the client (Prefect went away, or the worker stops); the next poll makes
        a new one."""
        client, self._api = self._api, None
        if client is not None:
            try:
                client.__exit__(None, None, None)
            except Exception:  # closing a client to a server that is gone
                log.debug("closing the polling client failed", exc_info=True)

    def _crash_unfinished(self) -> int:
        """Wait up to ``stop_grace`` for the running runs; crash those still running.

        A stopping worker must not hold its operator (or a supervisor) hostage to a run that
        waits on a rate limit: the run is crashed now instead of by the no-heartbeat
        automation minutes later, and the per-task lease keeps its booking single."""
        deadline = time.monotonic() + self.stop_grace
        while time.monotonic() < deadline and any(lane.free() < lane.limit
                                                  for lane in self.lanes):
            time.sleep(0.1)
        with self._lock:
            unfinished = dict(self._running)
        for run_id, name in unfinished.items():
            log.warning("flow run %s still running at stop: crashed, to be retried", name)
            try:
                crash_if_running(str(run_id), "its worker stopped before it ended; it is retried")
            except Exception:  # Prefect away: the no-heartbeat automation crashes it later
                log.exception("flow run %s could not be crashed", name)
        return len(unfinished)

    def stop(self) -> None:
        """Stop claiming new runs."""
        self.stopping.set()

    def _claim(self, lane: Lane, free: int) -> list[FlowRun]:
        """Scheduled runs of a lane that this worker won the ``Pending`` transition for."""
        client = self._client()
        runs = client.get_scheduled_flow_runs_for_deployments(
            deployment_ids=list(lane.deployments),
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
            with NO_ENGINE_HEARTBEAT.applied():
                self._keep_engine_client()
                state = run_flow(flow, flow_run=flow_run, parameters=flow_run.parameters,
                                 return_type="state")
            log.info("flow run %s ended %s in %.1f s", flow_run.name,
                     getattr(state, "name", state), time.monotonic() - started)
        except BaseException:  # keep the worker alive; crash the run once Prefect answers
            log.exception("flow run %s raised out of the engine", flow_run.id)
            with self._lock:
                self._lost.add(flow_run.id)
        finally:
            with self._lock:
                self._running.pop(flow_run.id, None)

    def _keep_engine_client(self) -> None:
        """Give this thread one Prefect client for all the runs it executes.

        The flow engine takes the client of the current ``SyncClientContext`` and makes a
        new one (with a new TLS context) when there is none — per run, a twentieth of the
        worker's CPU. A pool thread keeps its context between work items, so the context
        entered here once serves every later run of the thread.
        """
        if getattr(self._threads, "context", None) is None:
            context = SyncClientContext()
            context.__enter__()
            self._threads.context = context

    def _crash_lost_runs(self) -> None:
        """Runs whose execution died here (Prefect's API went away under it) are crashed, so
        that recover-interrupted retries them; proposed without force, so a run that ended
        meanwhile is left alone."""
        with self._lock:
            lost = set(self._lost)
        for run_id in lost:  # forgotten only once crashed: Prefect may go away again here
            crash_if_running(str(run_id), "its execution lost the Prefect API; it is retried")
            with self._lock:
                self._lost.discard(run_id)

    def _beat(self) -> None:
        """Send a heartbeat for every run in progress, until the worker stops.

        Sent while holding the lock that ``_execute`` takes to drop a finished run, so no
        heartbeat leaves after its run was dropped.
        """
        while not self._finished.wait(self.heartbeat_seconds):
            with self._lock:
                for run_id, name in self._running.items():
                    try:
                        emit_event(event="prefect.flow-run.heartbeat", resource={
                            "prefect.resource.id": f"prefect.flow-run.{run_id}",
                            "prefect.resource.name": name})
                    except Exception:  # a missed beat is not worth stopping the worker for
                        log.exception("heartbeat for flow run %s not sent", run_id)
