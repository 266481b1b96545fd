"""The ``recover-interrupted`` flow: no sync task stays queued or running forever.

A worker that dies, or a flow run that crashes or is cancelled, leaves its tasks marked
queued/running in the store. This flow asks Prefect for the state of every run that holds
such tasks. A crashed run (its worker died: no office or package problem), or one that failed
without classifying its tasks (Prefect's API went away under it), is retried — the same run,
on any worker — up to ``AUTOMATIC_RETRIES`` times; the connectors look before they book and
the task leases keep executions apart, so nothing is booked twice. So is a run whose worker
died after its last task was recorded (it holds no open task, so the store does not point at
it: the automation names it, the sweep asks Prefect for sync runs still Pending or Running
or Crashed in the last day): its retry finds nothing left and ends Completed, where it would
otherwise show Crashed or Running for good. A run that ended in a classified
failure keeps its waiting tasks for its restart. Otherwise (cancelled, vanished, or retried
enough) its unfinished tasks become ``SupportRequired / run_interrupted``: red and
restartable.

The ``doorstroom-crashed`` automation starts this flow as soon as a run crashes; its own
schedule (every 5 minutes) catches the rest — runs the no-heartbeat automation never heard
of included: a Pending or Running run of which Prefect stored no event for the heartbeat
bound is crashed here, then handled as above. So is a run Pending or Running past its
bound (15 minutes, 2 hours), heartbeats or not: a worker that is alive but whose run hangs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterEndTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.responses import OrchestrationResult, SetStateStatus
from prefect.events.filters import EventFilter, EventOccurredFilter, EventResourceFilter
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed

from doorstroom.dispatching import SYNC_FLOW
from doorstroom.failures import codes as c
from doorstroom.failures import failure
from doorstroom.restart import RestartRefused, restart_flow_run
from doorstroom.settings import get_settings
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope

ACTOR = "recover-interrupted"
AUTOMATIC_RETRIES = 2
CLASSIFIED = {"EmployeeActionRequired", "SupportRequired"}
"""A run that ended in a classified failure: its unfinished tasks wait for its restart."""
RETRIED = {"Crashed", "Failed"}
"""End states whose unfinished tasks are retried (bounded) rather than marked interrupted."""
RECENT_CRASHES = timedelta(days=1)
"""How far back the sweep looks for sync runs that crashed holding no open task."""
SWEEP_LIMIT = 200
"""At most this many such runs a sweep (of each kind; Prefect's API reads no more at once);
the next sweep takes the rest."""


def _sync_runs_to_check() -> set[str]:
    """Sync runs Prefect has Pending or Running, or Crashed in the last day.

    A run whose worker died after its last task was recorded holds no open task, so the
    store does not point at it; without this look it would show Running (its alarm lost
    with a Prefect server that died) or Crashed (the alarm's recovery started elsewhere) for
    good, though its work is done.
    """
    flows = FlowFilter(name=FlowFilterName(any_=[SYNC_FLOW]))
    since = datetime.now(UTC) - RECENT_CRASHES
    wanted = [
        FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
            any_=[StateType.PENDING, StateType.RUNNING]))),
        FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
            any_=[StateType.CRASHED])), end_time=FlowRunFilterEndTime(after_=since)),
    ]
    with get_client(sync_client=True) as client:
        return {str(run.id) for runs in wanted for run in client.read_flow_runs(
            flow_filter=flows, flow_run_filter=runs, limit=SWEEP_LIMIT)}


def _read(run_id: str) -> FlowRun | None:
    """The flow run as Prefect has it now, ``None`` when it is gone."""
    with get_client(sync_client=True) as client:
        try:
            return client.read_flow_run(UUID(run_id))
        except ObjectNotFound:
            return None


def _final(run: FlowRun | None) -> tuple[str, str] | None:
    """The name and id of the run's final state (``"missing"``), or ``None`` while it runs."""
    if run is None:
        return "missing", ""
    if run.state is None or not run.state.is_final():
        return None
    return run.state.name or str(run.state.type.value), str(run.state.id)


def _ended(run_id: str) -> tuple[str, str] | None:
    """:func:`_final` of the run as it is now."""
    return _final(_read(run_id))


def _being_restarted(run_id: str, state_id: str) -> bool:
    """Whether someone already restarted the run out of this very state (their retry is on
    its way to Prefect): its tasks are theirs to run, not ours to mark interrupted."""
    with session_scope() as session:
        return bool(state_id) and repo.restart_of(session, run_id, state_id) is not None


def _retried(run_id: str, state: str) -> bool:
    """Retry a crashed run if it has not been retried automatically too often already.

    So is a run that failed without classifying its tasks (an exception left the flow, as
    when Prefect's API went away under it): nothing in it asks a person to act.
    """
    if state not in RETRIED:
        return False
    with session_scope() as session:
        if repo.restarts_of_run(session, run_id, ACTOR) >= AUTOMATIC_RETRIES:
            return False
    try:
        restart_flow_run(run_id, actor=ACTOR)
    except RestartRefused:
        return False
    return True


def crash_if_running(flow_run_id: str, reason: str,
                     fresh_within: timedelta | None = None) -> bool:
    """Crash a run an automation saw go silent or stuck — only if it is Pending or Running.

    A run that ended is never touched (a heartbeat can trail its Completed by a moment), nor
    one scheduled again; and the transition is proposed without force, so Prefect refuses it
    should the run end in between. With ``fresh_within``, nor a run that entered its state
    less than that long ago: a new execution (the run was retried since) is not the one
    whose silence the automation saw — crashing it would release its leases while it books.
    """
    with get_client(sync_client=True) as client:
        try:
            run = client.read_flow_run(UUID(flow_run_id))
        except ObjectNotFound:
            return False
        if run.state is None or run.state.type not in (StateType.PENDING, StateType.RUNNING):
            return False
        if fresh_within is not None and run.state.timestamp > datetime.now(UTC) - fresh_within:
            return False
        result: OrchestrationResult[Any] = client.set_flow_run_state(
            UUID(flow_run_id), Crashed(message=reason))
    return result.status == SetStateStatus.ACCEPT


def _silent(run: FlowRun, bound: timedelta) -> bool:
    """Whether a Pending or Running run has shown no sign of life for ``bound``: no state
    change and no event of it (heartbeats included) among the events Prefect stored.

    The no-heartbeat automation decides the same from the events it is handed while they
    stream past; those a Prefect server had not handed over when it died (killed with the
    stack, say) never reach it, and their run would stay Running forever.
    """
    since = datetime.now(UTC) - bound
    state = run.state
    if (state is None or state.type not in (StateType.PENDING, StateType.RUNNING)
            or state.timestamp > since):
        return False
    with get_client(sync_client=True) as client:
        page = client.read_events(EventFilter(
            occurred=EventOccurredFilter(since=since),
            resource=EventResourceFilter(id=[f"prefect.flow-run.{run.id}"])), limit=1)
    return not page.events


def _overdue(run: FlowRun, pending: timedelta, running: timedelta) -> str | None:
    """Why a run is stuck: Pending or Running for longer than its bound, else ``None``."""
    state = run.state
    bounds = {StateType.PENDING: pending, StateType.RUNNING: running}
    if state is None or state.type not in bounds:
        return None
    bound = bounds[state.type]
    if state.timestamp > datetime.now(UTC) - bound:
        return None
    return f"{state.type.value.title()} for more than {bound.total_seconds():.0f} s"


def _stuck(run: FlowRun, silence: timedelta, pending: timedelta,
           running: timedelta) -> str | None:
    """Why a run that has not ended is to be crashed (past its bound, or silent), if it is."""
    if overdue := _overdue(run, pending, running):
        return overdue
    if _silent(run, silence):
        return f"no sign of life for {silence.total_seconds():.0f} s"
    return None


@flow(name="recover-interrupted")
def recover_interrupted(flow_run_id: str | None = None, reason: str = "",
                        silence_seconds: int | None = None,
                        pending_seconds: int | None = None,
                        running_seconds: int | None = None) -> int:
    """Retry crashed runs (bounded) or mark their tasks interrupted; return how many tasks.

    With ``flow_run_id`` (from an automation that saw that run go silent, or crash) the run
    is first crashed if it still runs. Every other run holding tasks that is Pending or
    Running without a sign of life for ``silence_seconds`` (default: the heartbeat bound), or
    for longer than ``pending_seconds`` / ``running_seconds`` (default: the settings'
    bounds), is crashed too. A sync run whose tasks are all done is handled like the others
    (that run, or without ``flow_run_id`` the ones :func:`_sync_runs_to_check` finds), so
    Prefect does not show a run Crashed or Running whose work is complete.
    """
    logger = get_run_logger()
    settings = get_settings()
    bound = timedelta(seconds=silence_seconds or settings.heartbeat_timeout_seconds)
    pending = timedelta(seconds=pending_seconds or settings.pending_bound_seconds)
    running = timedelta(seconds=running_seconds or settings.running_bound_seconds)
    named = flow_run_id.removeprefix("prefect.flow-run.") if flow_run_id else None
    if named and crash_if_running(named, reason or "its worker stopped", fresh_within=bound):
        logger.warning("flow run %s crashed: %s", named, reason)
    others = {named} if named else _sync_runs_to_check()
    with session_scope() as session:
        holders = repo.unfinished_by_run(session)
        for run_id in repo.runs_with_all_tasks_done(session, others - holders.keys()):
            holders[run_id] = []  # its worker died after its last task was recorded
    recovered = 0
    for run_id, task_ids in holders.items():
        run = _read(run_id)
        ended = _final(run)
        stuck = (_stuck(run, bound, pending, running)
                 if ended is None and run is not None else None)
        if stuck is not None:
            if crash_if_running(run_id, stuck):
                logger.warning("flow run %s crashed: %s", run_id, stuck)
            ended = _ended(run_id)
        if ended is None:
            continue
        state, state_id = ended
        if _retried(run_id, state):
            logger.warning("flow run %s ended %s: retried, %d tasks run again", run_id,
                           state, len(task_ids))
            recovered += len(task_ids)
            continue
        if (not task_ids or state in CLASSIFIED or _ended(run_id) is None
                or _being_restarted(run_id, state_id)):
            # Nothing of it left to mark (its tasks were all done), waiting behind a failed
            # task of the run (they run on its restart), or another recover (or a person)
            # retried the run meanwhile — or is doing so right now.
            continue
        interrupted = _interrupt(run_id, state, task_ids)
        recovered += interrupted
        logger.warning("flow run %s ended %s: %d tasks marked interrupted", run_id, state,
                       interrupted)
    return recovered


def _interrupt(run_id: str, state: str, task_ids: list[int]) -> int:
    """Mark a run's unfinished tasks red and restartable; return how many.

    A run that crashed, was cancelled or vanished has no live execution: its leases are
    taken over. A run that ended otherwise may have a second execution still at work on a
    task (its live lease says so): that task is left to it.
    """
    error = failure(c.RUN_INTERRUPTED, detail=f"flow run {run_id} ended {state}", state=state)
    dead = state in {*RETRIED, "Cancelled", "missing"}
    marked = 0
    with session_scope() as session:
        for task_id in task_ids:
            attempt_id = repo.start_attempt(session, task_id, run_id, None, force=dead)
            if attempt_id is not None:
                repo.finish_failed(session, task_id, attempt_id, error)
                marked += 1
    return marked
