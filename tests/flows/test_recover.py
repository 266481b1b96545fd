"""No task stays queued or running after its flow run ended: recover-interrupted."""

from __future__ import annotations

import time
from contextlib import suppress
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.client.schemas.objects import FlowRun
from prefect.events import emit_event
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.states import Crashed, Running

from doorstroom.documents.service import request_dossier_link
from doorstroom.restart import restart_task
from doorstroom.settings import get_settings
from doorstroom.store import repository as repo
from doorstroom.store.db import StoreConflict, session_scope
from doorstroom.store.models import Responsibility, TaskStatus
from flows.dispatch import dispatch
from flows.recover import AUTOMATIC_RETRIES, recover_interrupted
from flows.sync_dossier import sync_dossier
from tests.flows.test_dispatch_and_restart import mark_done
from tests.flows.test_sync_dossier_exact import wait_for_flow_state
from tests.helpers import (
    a_dossier,
    a_proposal,
    an_office,
    documents_for,
    tasks,
    wait_until_settled,
)
from tests.sandboxes import RunningExact


def crash(run_id: str) -> None:
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(run_id), Crashed(message="worker killed"), force=True)


def run_tags(run_id: str) -> set[str]:
    with get_client(sync_client=True) as client:
        return set(client.read_flow_run(UUID(run_id)).tags)


def wait_for_state(run_id: str, names: set[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(run_id)).state
        if state is not None and state.name in names:
            return state.name
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} is {state}")
        time.sleep(0.5)


def test_given_a_crashed_run_then_it_is_retried_twice_then_its_tasks_become_red_and_restartable(
        prefect_stack: object, exact_block: str) -> None:
    sync_dossier.to_deployment(name="unserved").apply()  # no worker runs it
    task_ids = documents_for(a_dossier(an_office(), "Crash NV", 0, exact_block),
                             [a_proposal(), a_proposal()])
    dispatch(deployment="sync-dossier/unserved")
    [run_id] = {t.last_flow_run_id for t in tasks(task_ids)}
    assert run_id is not None
    recover_interrupted()  # the run is only scheduled: its tasks are left alone
    assert {t.status for t in tasks(task_ids)} == {TaskStatus.QUEUED}

    for _ in range(AUTOMATIC_RETRIES):  # the worker died: retried on any worker
        crash(run_id)
        recover_interrupted()  # (the doorstroom-crashed automation may have been first)
        assert wait_for_state(run_id, {"AwaitingRetry"}) == "AwaitingRetry"
        assert {t.status for t in tasks(task_ids)} == {TaskStatus.QUEUED}
    crash(run_id)
    recover_interrupted()

    recovered = tasks(task_ids)
    assert {t.status for t in recovered} == {TaskStatus.FAILED}
    assert {t.responsibility for t in recovered} == {Responsibility.SUPPORT}
    assert {t.failure_code for t in recovered} == {"run_interrupted"}
    assert sorted(restart_task(task_ids[0], actor="support")) == sorted(task_ids)
    assert {t.status for t in tasks(task_ids)} == {TaskStatus.QUEUED}
    mark_done(task_ids)


def a_short_run_that_completed(exact_sandbox: RunningExact, exact_block: str) -> tuple[str, float]:
    """A run that ended Completed, and when (monotonic)."""
    exact_sandbox.state.add_division(5702, "Korte Run BV")
    dossier = a_dossier(an_office(), "Korte Run BV", 5702, exact_block)
    [task_id] = documents_for(dossier, [a_proposal()])
    dispatch()
    [task] = wait_until_settled([task_id])
    assert task.status == TaskStatus.DONE and task.last_flow_run_id
    return task.last_flow_run_id, time.monotonic()


def alarms_for(run_id: str) -> list[object]:
    """The recover-interrupted runs started for one flow run."""
    with get_client(sync_client=True) as client:
        recoveries = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["recover-interrupted"])),
            limit=200)
    return [run for run in recoveries
            if str(run.parameters.get("flow_run_id", "")).endswith(run_id)]


def test_given_a_run_whose_heartbeats_stop_then_it_is_crashed_retried_and_finished(
        prefect_stack: object, exact_sandbox: RunningExact, exact_block: str) -> None:
    """And a short run that completed sets off no alarm after the heartbeat bound: the
    engine's own heartbeat at the run's start raced its Completed and set it off every time
    (one wait for the bound serves both)."""
    completed, ended = a_short_run_that_completed(exact_sandbox, exact_block)
    exact_sandbox.state.add_division(5701, "Stille Werker BV")
    dossier = a_dossier(an_office(), "Stille Werker BV", 5701, exact_block)
    task_ids = documents_for(dossier, [a_proposal(), a_proposal()])
    with get_client(sync_client=True) as client:  # a worker took the run, beat once, died
        deployment = client.read_deployment_by_name("sync-dossier/sync-dossier")
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"dossier_id": dossier}, state=Running())
    with session_scope() as session:
        repo.assign_to_run(session, task_ids, str(run.id))
    emit_event(event="prefect.flow-run.heartbeat",
               resource={"prefect.resource.id": f"prefect.flow-run.{run.id}"})

    # no-heartbeat automation → Crashed → doorstroom-crashed → recover-interrupted → retry
    settled = wait_until_settled(task_ids, timeout=240)

    assert {t.status for t in settled} == {TaskStatus.DONE}
    assert len(exact_sandbox.state.entries(5701)) == 2
    wait_for_flow_state(task_ids[0], "Completed")  # it publishes after the store says done
    with get_client(sync_client=True) as client:
        states = client.read_flow_run_states(run.id)
    names = [state.name for state in states]
    assert "Crashed" in names and "AwaitingRetry" in names and names[-1] == "Completed"

    time.sleep(max(0.0, ended + get_settings().heartbeat_timeout_seconds + 15 - time.monotonic()))
    assert alarms_for(completed) == []


def test_a_run_that_crashed_after_all_its_tasks_were_done_is_retried_and_ends_completed(
        prefect_stack: object, exact_block: str) -> None:
    """Its worker died between its last booking and its end: Prefect would show it Crashed
    for good, though its work is complete (no task of it is left for recovery to find)."""
    dossier = a_dossier(an_office(), "Klaar Voor De Crash BV", 0, exact_block)
    task_ids = documents_for(dossier, [a_proposal(), a_proposal()])
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("sync-dossier/sync-dossier")
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"dossier_id": dossier}, state=Running())
    run_id = str(run.id)
    with session_scope() as session:
        repo.assign_to_run(session, task_ids, run_id)
    mark_done(task_ids)  # both booked and recorded; then the worker was killed
    crash(run_id)

    recover_interrupted(flow_run_id=f"prefect.flow-run.{run_id}")  # as the automations do

    assert wait_for_state(run_id, {"Completed"}, timeout=120) == "Completed"
    with get_client(sync_client=True) as client:
        names = [state.name for state in client.read_flow_run_states(run.id)]
    assert "Crashed" in names and "AwaitingRetry" in names
    with get_client(sync_client=True) as client:
        final = client.read_flow_run(run.id).state
    assert final is not None and final.message == (
        "Niets meer te doen: deze run heeft geen open taken.")
    assert {t.status for t in tasks(task_ids)} == {TaskStatus.DONE}
    recover_interrupted(flow_run_id=run_id)  # a late alarm leaves the completed run alone
    assert wait_for_state(run_id, {"Completed"}, timeout=1) == "Completed"


def heartbeat_stored(run_id: str) -> bool:
    with get_client(sync_client=True) as client:
        return bool(client.read_events(EventFilter(
            event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
            resource=EventResourceFilter(id=[f"prefect.flow-run.{run_id}"])), limit=1).events)


def a_running_run_nobody_executes(exact_sandbox: RunningExact, exact_block: str,
                                  division: int, name: str) -> tuple[FlowRun, list[int]]:
    """A dossier's document handed to a sync run marked Running that no worker executes."""
    exact_sandbox.state.add_division(division, name)
    dossier = a_dossier(an_office(), name, division, exact_block)
    task_ids = documents_for(dossier, [a_proposal()])
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("sync-dossier/sync-dossier")
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"dossier_id": dossier}, state=Running())
    with session_scope() as session:
        repo.assign_to_run(session, task_ids, str(run.id))
    return run, task_ids


def test_a_running_run_whose_events_were_lost_is_found_by_the_sweep(
        prefect_stack: object, exact_sandbox: RunningExact, exact_block: str) -> None:
    """A Prefect server killed with the stack takes the events it had not handed to its
    automations along: the run stays Running with nobody at work. The sweep reads the events
    Prefect stored and crashes a run silent past the bound — never one with a recent sign."""
    run, task_ids = a_running_run_nobody_executes(exact_sandbox, exact_block, 5703,
                                                  "Verloren Signaal BV")
    time.sleep(4)
    emit_event(event="prefect.flow-run.heartbeat",
               resource={"prefect.resource.id": f"prefect.flow-run.{run.id}"})
    deadline = time.monotonic() + 30
    while not heartbeat_stored(str(run.id)):
        assert time.monotonic() < deadline, "the heartbeat was never stored"
        time.sleep(0.5)

    recover_interrupted(silence_seconds=3)  # the run is older than 3 s, its heartbeat not
    assert wait_for_state(str(run.id), {"Running"}, timeout=1) == "Running"

    time.sleep(4)
    recover_interrupted(silence_seconds=3)  # well before the automation's bound (45 s)
    with get_client(sync_client=True) as client:
        names = [state.name for state in client.read_flow_run_states(run.id)]
    assert "Crashed" in names and "AwaitingRetry" in names
    assert {t.status for t in wait_until_settled(task_ids)} == {TaskStatus.DONE}
    assert len(exact_sandbox.state.entries(5703)) == 1


def test_a_silent_running_run_whose_tasks_were_all_done_is_found_by_the_sweep(
        prefect_stack: object, exact_sandbox: RunningExact, exact_block: str) -> None:
    """Its worker died after the last task was recorded and its alarm was lost: no open
    task points the store at it, so the sweep asks Prefect for the sync runs still Running."""
    run, task_ids = a_running_run_nobody_executes(exact_sandbox, exact_block, 5705,
                                                  "Stil Na Het Werk BV")
    mark_done(task_ids)
    time.sleep(4)

    recover_interrupted(silence_seconds=3)  # well before the automation's bound (45 s)

    assert wait_for_state(str(run.id), {"Completed"}, timeout=120) == "Completed"
    with get_client(sync_client=True) as client:
        names = [state.name for state in client.read_flow_run_states(run.id)]
    assert "Crashed" in names and "AwaitingRetry" in names
    assert exact_sandbox.state.entries(5705) == []  # nothing was left to book


def test_a_run_running_past_its_bound_is_crashed_by_the_sweep_even_with_heartbeats(
        prefect_stack: object, exact_sandbox: RunningExact, exact_block: str) -> None:
    """A worker that is alive keeps sending heartbeats for a run that hangs: the sweep
    crashes it once it has run longer than the bound, and its retry books the document."""
    run, task_ids = a_running_run_nobody_executes(exact_sandbox, exact_block, 5704,
                                                  "Hangende Draad BV")

    recover_interrupted(running_seconds=3)  # running for less than its bound
    assert wait_for_state(str(run.id), {"Running"}, timeout=1) == "Running"

    time.sleep(4)
    emit_event(event="prefect.flow-run.heartbeat",
               resource={"prefect.resource.id": f"prefect.flow-run.{run.id}"})
    recover_interrupted(running_seconds=3)
    with get_client(sync_client=True) as client:
        states = client.read_flow_run_states(run.id)
    crashed = [state for state in states if state.name == "Crashed"]
    assert crashed and "Running for more than 3 s" in str(crashed[0].message)
    assert {t.status for t in wait_until_settled(task_ids)} == {TaskStatus.DONE}
    assert len(exact_sandbox.state.entries(5704)) == 1


def test_given_bookings_waiting_behind_a_failed_dossier_link_then_recovery_leaves_them_waiting(
        prefect_stack: object, exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(5901, "Wachtende Brouwerij", rights=False)
    dossier = a_dossier(an_office(), "Wachtende Brouwerij", 5901, exact_block)
    with session_scope() as session:
        link = request_dossier_link(session, dossier)
    bookings = documents_for(dossier, [a_proposal(), a_proposal()])
    dispatch()
    [orange] = wait_until_settled([link])
    assert orange.responsibility == Responsibility.EMPLOYEE
    run_id = str(orange.last_flow_run_id)
    assert wait_for_state(run_id, {"EmployeeActionRequired"})
    assert {"needs:office", f"dossier:{dossier}", "name:Wachtende Brouwerij"} <= run_tags(run_id)

    recover_interrupted()

    waiting = tasks(bookings)
    assert {t.status for t in waiting} == {TaskStatus.QUEUED}
    assert {t.failure_code for t in waiting} == {None}
    exact_sandbox.state.set_rights(5901, True)
    restart_task(link, actor="els@kantoor.be")
    assert not {tag for tag in run_tags(run_id) if tag.startswith("needs:")}  # at once
    assert {t.status for t in wait_until_settled([link, *bookings])} == {TaskStatus.DONE}
    assert len(exact_sandbox.state.entries(5901)) == 2
    assert wait_for_state(run_id, {"Completed"}) and "needs:office" not in run_tags(run_id)


def test_a_run_another_recovery_is_restarting_right_now_keeps_its_tasks(
        prefect_stack: object, exact_block: str) -> None:
    """Two recoveries of one crash: the one that lost the restart must not mark the tasks
    interrupted while the winner's retry is on its way (seen in CI: booked tasks turned red)."""
    sync_dossier.to_deployment(name="unserved").apply()
    task_ids = documents_for(a_dossier(an_office(), "Dubbel Herstel NV", 0, exact_block),
                             [a_proposal()])
    dispatch(deployment="sync-dossier/unserved")
    [run_id] = {t.last_flow_run_id for t in tasks(task_ids)}
    assert run_id is not None
    crash(run_id)
    with get_client(sync_client=True) as client:
        crashed = client.read_flow_run(UUID(run_id)).state
    assert crashed is not None
    with session_scope() as session:  # the budget is spent …
        for number in range(AUTOMATIC_RETRIES):
            repo.add_restart(session, run_id, f"earlier-{number}", "Crashed",
                             "recover-interrupted")
    with suppress(StoreConflict), session_scope() as session:  # … and a winner took this crash
        repo.add_restart(session, run_id, str(crashed.id), "Crashed", "recover-interrupted")

    recover_interrupted()

    assert {t.status for t in tasks(task_ids)} == {TaskStatus.QUEUED}
    mark_done(task_ids)
