"""End to end through Prefect: dispatch → served sync-dossier runs → Exact Online sandbox."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactCollectionFilter,
    ArtifactCollectionFilterKey,
    ArtifactFilter,
    ArtifactFilterType,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import FlowRun
from prefect.events.filters import EventFilter, EventResourceFilter
from prefect.states import AwaitingRetry

from connectors.sandbox_faults import Fault
from doorstroom.documents.service import request_dossier_link
from doorstroom.restart import restart_task
from doorstroom.store import incidents
from doorstroom.store.db import session_scope
from doorstroom.store.models import Attempt, Responsibility, TaskStatus
from flows.dispatch import dispatch
from tests.flows.test_dispatch_and_restart import mark_done
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, tasks, wait_until_settled
from tests.sandboxes import RunningExact

RIGHTS_TEXT = ("Voor het aanmaken van het dossier 'Brouwerij XYZ' zijn de dossierrechten van de "
               "Doorstroom-gebruiker nog niet ingesteld. Gelieve de rechten voor die gebruiker "
               "toe te voegen.")


def flow_run_of(task_id: int) -> FlowRun:
    run_id = tasks([task_id])[0].last_flow_run_id
    assert run_id is not None
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(run_id))


def wait_for_flow_state(task_id: int, name: str, timeout: float = 60) -> FlowRun:
    import time
    deadline = time.monotonic() + timeout
    while True:
        run = flow_run_of(task_id)
        if run.state and run.state.name == name:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"flow run state is {run.state and run.state.name}, not {name}")
        time.sleep(0.5)


@dataclass
class OperatorsView:
    """What the Prefect UI shows an operator of one run: its table, its dossier's card, the
    task's outcome events."""

    table: str
    table_rows: int
    card: str
    events: list[str]


def operators_view(run_id: UUID, dossier: int, task_id: int) -> OperatorsView:
    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[run_id])), artifact_filter=ArtifactFilter(
            type=ArtifactFilterType(any_=["table"])))
        [card] = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
            key=ArtifactCollectionFilterKey(any_=[f"dossier-{dossier}"])))
        deadline = time.monotonic() + 30
        while True:  # events are stored a moment after they are sent
            events = client.read_events(EventFilter(resource=EventResourceFilter(
                id=[f"doorstroom.sync-task.{task_id}"])), limit=10).events
            if events or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    [table] = tables
    rows = json.loads(str(table.data))
    return OperatorsView(json.dumps(rows), len(rows), str(card.data),
                         [event.event for event in events])


def attempts_of(task_id: int) -> list[Attempt]:
    with session_scope() as session:
        return list(session.query(Attempt).filter_by(sync_task_id=task_id).order_by(Attempt.id))


def test_given_20_documents_over_3_dossiers_when_dispatched_then_20_entries(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    office = an_office()
    all_tasks = []
    for division, count in ((301, 7), (302, 7), (303, 6)):
        exact_sandbox.state.add_division(division, f"Dossier {division}")
        dossier = a_dossier(office, f"Dossier {division}", division, exact_block)
        all_tasks += documents_for(dossier, [a_proposal() for _ in range(count)])

    assert dispatch() >= 3
    settled = wait_until_settled(all_tasks)

    assert [t.status for t in settled] == [TaskStatus.DONE] * 20
    booked = [e for d in (301, 302, 303) for e in exact_sandbox.state.entries(d)]
    assert len(booked) == 20
    assert {t.external_ref for t in settled} == {e["EntryID"] for e in booked}
    wait_for_flow_state(all_tasks[0], "Completed")  # it publishes after the store says done


def test_given_no_rights_when_creating_dossier_then_employee_action_and_restart_books_once(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(401, "Brouwerij XYZ", rights=False)
    dossier = a_dossier(an_office(), "Brouwerij XYZ", 401, exact_block)
    with session_scope() as session:
        link_task = request_dossier_link(session, dossier)
    booking_tasks = documents_for(dossier, [a_proposal(), a_proposal()])

    dispatch()
    [link] = wait_until_settled([link_task])

    assert link.status == TaskStatus.FAILED
    assert link.responsibility == Responsibility.EMPLOYEE
    assert link.failure_code == "exact_online.dossier_rights_missing"
    assert link.failure_params == {"dossier": "Brouwerij XYZ"}
    run = wait_for_flow_state(link_task, "EmployeeActionRequired")
    assert run.state is not None and RIGHTS_TEXT in (run.state.message or "")
    assert [t.status for t in tasks(booking_tasks)] == [TaskStatus.QUEUED] * 2

    exact_sandbox.state.set_rights(401, True)  # the employee grants the rights
    restart_task(link_task, actor="test employee")
    settled = wait_until_settled([link_task, *booking_tasks])

    assert [t.status for t in settled] == [TaskStatus.DONE] * 3
    assert len(exact_sandbox.state.entries(401)) == 2
    assert wait_for_flow_state(link_task, "Completed").run_count == 2


def test_given_closed_period_when_prefect_ui_retries_after_reopening_then_booked_once(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(501, "Garage Maes")
    exact_sandbox.state.set_period_closed(501, 2026, 3, True)
    dossier = a_dossier(an_office(), "Garage Maes", 501, exact_block)
    [task_id] = documents_for(dossier, [a_proposal()])

    dispatch()
    [task] = wait_until_settled([task_id])
    run = wait_for_flow_state(task_id, "EmployeeActionRequired")
    assert task.failure_code == "no_open_booking_period"
    assert task.failure_params == {"period": "202603"}
    assert "Er is geen open boekperiode gevonden voor periode 202603." in (run.state.message or "")
    board = operators_view(run.id, dossier, task_id)
    assert board.table_rows == 1 and "202603" in board.table
    assert "Garage Maes" in board.card and "Action required from the office: 1" in board.card
    assert "202603" in board.card and "/dossiers/" in board.card
    assert board.events == ["doorstroom.sync-task.employee-action-required"]

    exact_sandbox.state.set_period_closed(501, 2026, 3, False)
    with get_client(sync_client=True) as client:  # what the Prefect UI's Retry button sends
        client.set_flow_run_state(run.id, AwaitingRetry(), force=True)
    wait_for_flow_state(task_id, "Completed")

    [done] = tasks([task_id])
    assert done.status == TaskStatus.DONE and done.restarted_by == "Prefect UI"
    assert len(exact_sandbox.state.entries(501)) == 1


def test_given_a_503_when_posting_then_retried_and_done(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(601, "Apotheek Wouters")
    exact_sandbox.state.add_fault(Fault(kind="status", status=503, method="POST",
                                        path_contains="PurchaseEntries"))
    [task_id] = documents_for(a_dossier(an_office(), "Apotheek Wouters", 601, exact_block),
                              [a_proposal()])

    dispatch()
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.DONE
    assert [a.outcome for a in attempts_of(task_id)] == ["transient", "done"]
    assert attempts_of(task_id)[0].failure_code == "package_unavailable"
    assert len(exact_sandbox.state.entries(601)) == 1


def test_given_connection_dropped_after_entry_created_when_retried_then_no_duplicate(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(701, "Bakkerij Claes")
    exact_sandbox.state.add_fault(Fault(kind="drop_after_commit", method="POST",
                                        path_contains="PurchaseEntries"))
    [task_id] = documents_for(a_dossier(an_office(), "Bakkerij Claes", 701, exact_block),
                              [a_proposal()])

    dispatch()
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.DONE
    assert [a.failure_code for a in attempts_of(task_id)] == ["connection_lost", None]
    assert len(exact_sandbox.state.entries(701)) == 1
    assert task.external_ref == exact_sandbox.state.entries(701)[0]["EntryID"]


def test_given_an_unrecognised_answer_when_posting_then_support_required(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(801, "Slagerij Goossens")
    exact_sandbox.state.add_fault(Fault(kind="garbage", method="POST",
                                        path_contains="PurchaseEntries"))
    [task_id] = documents_for(a_dossier(an_office(), "Slagerij Goossens", 801, exact_block),
                              [a_proposal()])

    dispatch()
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.FAILED
    assert task.responsibility == Responsibility.SUPPORT
    assert task.failure_code == "unexpected_response"
    run = wait_for_flow_state(task_id, "SupportRequired")
    assert "needs:support" in run.tags and "needs:office" not in run.tags


def test_given_a_package_that_keeps_failing_when_retries_run_out_then_support_required(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(901, "Drukkerij Jacobs")
    exact_sandbox.state.add_fault(Fault(kind="status", status=502, times=10))
    [task_id] = documents_for(a_dossier(an_office(), "Drukkerij Jacobs", 901, exact_block),
                              [a_proposal()])

    dispatch()
    [task] = wait_until_settled([task_id])

    assert task.failure_code == "retries_exhausted"
    assert task.responsibility == Responsibility.SUPPORT
    assert len(attempts_of(task_id)) == 4  # first attempt + 3 retries
    run = wait_for_flow_state(task_id, "SupportRequired")
    assert "HTTP 502" in (run.state.message or "")
    assert "needs:outage" in run.tags  # a package not answering: an incident, one notice
    [task] = tasks([task_id])
    assert task.incident_id is not None
    mark_done([task_id])  # this sandbox stops with the test: its incident must not linger
    with session_scope() as session:
        assert incidents.resolve(session, task.incident_id)
