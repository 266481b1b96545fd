"""The ``sync-dossier`` flow: run every unfinished sync task of one dossier, one task run each.

A restart is a Prefect retry of the same flow run: the store says which tasks of this run
are not done, and only those run again.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Failed, State

from connectors.attempt import FINAL_STATE_NAMES, ORCHESTRATOR_ERRORS, failed_state
from connectors.base import Connector, DossierRef
from connectors.descriptor import PackageDescriptor
from connectors.registry import descriptor
from doorstroom.dispatching import SYNC_FLOW
from doorstroom.failures import SyncFailure, failure, operator_text, render
from doorstroom.failures import codes as c
from doorstroom.failures.catalog import package_name
from doorstroom.settings import get_settings
from doorstroom.store import incidents
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from doorstroom.store.incidents import join_run
from doorstroom.store.models import SyncTask, TaskKind
from flows.outcome import summarise
from flows.publish import announce_incidents, mark_who_must_act, publish_run


@dataclass(frozen=True)
class Plan:
    """What the flow needs of one sync task, read before any task runs."""

    task_id: int
    kind: TaskKind
    subject: str


@dataclass(frozen=True)
class DossierPlan:
    """The dossier and its unfinished tasks for this flow run."""

    ref: DossierRef
    package: str
    block: str
    office_id: int
    language: str
    tasks: tuple[Plan, ...]


def task_subject(task: SyncTask) -> str:
    """What a task run is about: the document's number, else the dossier's name."""
    if task.document is None or task.kind == TaskKind.REFRESH_MASTER_DATA:
        return task.dossier.name
    return task.document.number


def _plan(dossier_id: int, run_id: str) -> DossierPlan | None:
    with session_scope() as session:
        dossier = repo.dossier(session, dossier_id)
        if dossier is None:
            return None
        tasks = repo.claim_for_run(session, dossier_id, run_id)
        return DossierPlan(
            ref=DossierRef(dossier.id, dossier.name, dossier.external_id),
            package=dossier.package, block=dossier.connection_block,
            office_id=dossier.office_id, language=dossier.office.language,
            tasks=tuple(Plan(t.id, t.kind, task_subject(t)) for t in tasks),
        )


def _run_name() -> str:
    dossier_id = flow_run.parameters.get("dossier_id")
    with session_scope() as session:
        dossier = repo.dossier(session, int(dossier_id)) if dossier_id is not None else None
        return dossier.name if dossier else f"dossier {dossier_id}"


@flow(name=SYNC_FLOW, flow_run_name=_run_name, log_prints=True)
def sync_dossier(dossier_id: int) -> State:
    """Run the dossier's unfinished sync tasks; end in the most severe outcome, the run
    tagged with who must act."""
    state = _sync(dossier_id)
    with session_scope() as session:
        only_outage = incidents.only_outage(session, str(flow_run.id))
    mark_who_must_act(str(flow_run.id), list(flow_run.tags), state.name, only_outage)
    return state


def _sync(dossier_id: int) -> State:
    plan = _plan(dossier_id, str(flow_run.id))
    if plan is None:
        return Failed(name="SupportRequired",
                      message=render("unknown_dossier", {"dossier": dossier_id}, "en"))
    if not plan.tasks:  # a retry of a run that had done all its tasks when its worker died
        return summarise([], 0, plan.language)
    with session_scope() as session:
        outage = incidents.blocking(session, plan.package, plan.office_id)
    if outage is not None:  # the package is down for everyone: do not knock again
        return _fail_all(plan, failure(c.WAITS_FOR_OUTAGE,
                                       package=package_name(plan.package)), outage)
    try:
        package = descriptor(plan.package)
        connector = package.open(plan.ref, plan.block)
    except SyncFailure as error:
        return _fail_all(plan, error)
    try:
        return _run_tasks(plan, package, connector)
    finally:
        connector.close()


def _run_tasks(plan: DossierPlan, package: PackageDescriptor, connector: Connector) -> State:
    """Each sync task as its package's Prefect task, e.g. ``wings.post-booking 1001-0001``."""
    delays = get_settings().retry_delays
    states: list[State] = []
    for item in plan.tasks:
        package_task = package.tasks.for_kind(item.kind)
        options: dict[str, object] = {"task_run_name": f"{package_task.name} {item.subject}"}
        if delays:
            options["retry_delay_seconds"] = delays
        state = package_task.with_options(**options)(  # type: ignore[arg-type]
            item.task_id, connector, plan.language, return_state=True)
        if not state.is_completed() and state.name not in FINAL_STATE_NAMES:
            state = _orphaned(item, state, plan.language)
        states.append(state)
        if not state.is_completed() and _stops_the_run(item):
            break  # the rest waits behind it: asking the package again changes nothing
    outcome = summarise(states, len(plan.tasks) - len(states), plan.language)
    _record(plan, [item.task_id for item in plan.tasks[:len(states)]],
            [state.name for state in states])
    return outcome


def _record(plan: DossierPlan, task_ids: list[int], state_names: list[str | None]) -> None:
    """After the work: outage failures join their incident, the run is published."""
    opened = join_run(str(flow_run.id))
    announce_incidents(opened, plan.package)
    publish_run(plan.ref.id, plan.office_id, plan.package, task_ids, state_names)


def _stops_the_run(item: Plan) -> bool:
    """A failed dossier link, a failure of the whole dossier (rights, licence, connection),
    or an outage (the package not answering after every retry) leaves the run's other tasks
    waiting instead of failing each one again."""
    if item.kind == TaskKind.CREATE_DOSSIER:
        return True
    with session_scope() as session:
        code, params = repo.failure_of(session, item.task_id)
    found = c.REGISTRY.get(code or "")
    return found is not None and (found.dossier_wide or c.outage_cause(code, params) is not None)


def _orphaned(item: Plan, state: State, language: str) -> State:
    """Prefect failed the task run before our code could classify it: support must look.

    Unless Prefect's API itself is away (an outage): then the task is left as it is and the
    run ends here; it is crashed and retried once Prefect is back (recover-interrupted).
    """
    cause = state.result(raise_on_failure=False) if state.is_failed() else None
    if isinstance(cause, ORCHESTRATOR_ERRORS):
        raise cause
    error = failure(c.UNEXPECTED_ERROR, detail=state.message or "", error=state.name or "Failed")
    with session_scope() as session:  # the task run is over: its lease is nobody's now
        attempt_id = repo.start_attempt(session, item.task_id, str(flow_run.id), None,
                                        force=True)
        if attempt_id is not None:
            repo.finish_failed(session, item.task_id, attempt_id, error)
    return failed_state(error, language)


def _fail_all(plan: DossierPlan, error: SyncFailure, incident: int | None = None) -> State:
    """No connector (or an open incident), no work: every task of the run carries the same
    failure (and waits with the incident)."""
    with session_scope() as session:
        for item in plan.tasks:
            attempt_id = repo.start_attempt(session, item.task_id, str(flow_run.id), None)
            if attempt_id is not None:
                repo.finish_failed(session, item.task_id, attempt_id, error)
        if incident is not None:
            incidents.attach(session, incident, [item.task_id for item in plan.tasks])
    _record(plan, [item.task_id for item in plan.tasks],
            [error.state_name] * len(plan.tasks))
    message = operator_text(error.code.name, error.params, plan.language)
    return Failed(name=error.state_name, message=message)
