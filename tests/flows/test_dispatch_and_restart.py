"""Dispatch never starts two runs for the same tasks; restart refuses what it cannot retry."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Failed, Running
from sqlalchemy import select, update

from doorstroom.dispatching import on_arrival
from doorstroom.ingest_api.app import create_app
from doorstroom.ingest_api.auth import issue_token
from doorstroom.restart import RestartRefused, restart_task
from doorstroom.store.db import session_scope
from doorstroom.store.models import SyncTask, TaskStatus
from flows.dispatch import dispatch
from flows.sync_dossier import sync_dossier
from tests.helpers import (
    a_dossier,
    a_proposal,
    an_office,
    documents_for,
    prefect_refusal,
    tasks,
    wait_until_settled,
)
from tests.sandboxes import RunningExact


def test_given_dispatch_crashed_after_creating_a_run_when_dispatched_again_then_same_run(
        prefect_stack: object, exact_block: str) -> None:
    unserved = sync_dossier.to_deployment(name="unserved")  # no worker runs it: no race
    unserved.apply()
    task_ids = documents_for(a_dossier(an_office(), "Bloemen Peeters", 1101, exact_block),
                             [a_proposal(), a_proposal()])
    dispatch(deployment="sync-dossier/unserved")
    first_run = {t.last_flow_run_id for t in tasks(task_ids)}
    with session_scope() as session:  # as if dispatch died before recording the run
        session.execute(update(SyncTask).where(SyncTask.id.in_(task_ids))
                        .values(status=TaskStatus.PENDING, last_flow_run_id=None))

    dispatch(deployment="sync-dossier/unserved")

    assert {t.last_flow_run_id for t in tasks(task_ids)} == first_run
    assert len(first_run) == 1
    assert {t.status for t in tasks(task_ids)} == {TaskStatus.QUEUED}
    mark_done(task_ids)


def test_given_prefect_busy_when_dispatch_creates_a_run_then_asked_again_soon_and_one_run(
        prefect_stack: object, exact_block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded server answers 503 when another writer committed first — here after it
    made the run, the worst case: the second ask must find that run, not make another."""
    unserved = sync_dossier.to_deployment(name="unserved")
    unserved.apply()
    task_ids = documents_for(a_dossier(an_office(), "Bloemen Bezig", 1102, exact_block),
                             [a_proposal()])
    made = SyncPrefectClient.create_flow_run_from_deployment
    answers: list[object] = []
    asked_at: list[float] = []

    def busy_once(client: SyncPrefectClient, *args: Any, **kwargs: Any) -> Any:
        run = made(client, *args, **kwargs)
        asked_at.append(time.monotonic())  # when the answer came
        answers.append(run.id)
        if len(answers) == 1:
            raise prefect_refusal(503)
        return run

    monkeypatch.setattr(SyncPrefectClient, "create_flow_run_from_deployment", busy_once)
    dispatch(deployment="sync-dossier/unserved")

    assert asked_at[1] - asked_at[0] < 1.5  # Prefect's own client would have slept 2 s first
    assert len(answers) == 2 and answers[0] == answers[1]  # the same run, found again
    assert {str(t.last_flow_run_id) for t in tasks(task_ids)} == {str(answers[0])}
    mark_done(task_ids)


def mark_done(task_ids: list[int]) -> None:
    """Leave nothing pending or queued for the dispatches of other tests."""
    with session_scope() as session:
        session.execute(update(SyncTask).where(SyncTask.id.in_(task_ids))
                        .values(status=TaskStatus.DONE))


def test_given_a_completed_task_when_restarted_then_refused(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(1201, "Kapsalon Mertens")
    [task_id] = documents_for(a_dossier(an_office(), "Kapsalon Mertens", 1201, exact_block),
                              [a_proposal()])
    dispatch()
    wait_until_settled([task_id])

    with pytest.raises(RestartRefused, match="only failed tasks") as refused:
        restart_task(task_id, actor="test")
    assert refused.value.reason == "not_failed"


def test_given_a_task_that_never_ran_when_restarted_then_refused(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(1301, "Fietsen Wuyts")
    [task_id] = documents_for(a_dossier(an_office(), "Fietsen Wuyts", 1301, exact_block),
                              [a_proposal()])
    with pytest.raises(RestartRefused) as refused:
        restart_task(task_id, actor="test")
    assert refused.value.reason == "not_failed"
    mark_done([task_id])


def a_failed_task_of_a_running_run(exact_block: str, division: int) -> tuple[int, str]:
    """A task the store shows failed while Prefect still shows its run Running: the tail in
    which a run publishes its outcome after recording it."""
    unserved = sync_dossier.to_deployment(name="unserved")
    unserved.apply()
    [task_id] = documents_for(a_dossier(an_office(), f"Staart {division}", division,
                                        exact_block), [a_proposal()])
    dispatch(deployment="sync-dossier/unserved")
    [task] = tasks([task_id])
    assert task.last_flow_run_id is not None
    with session_scope() as session:
        session.execute(update(SyncTask).where(SyncTask.id == task_id)
                        .values(status=TaskStatus.FAILED))
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(task.last_flow_run_id), Running(), force=True)
    return task_id, task.last_flow_run_id


def test_given_a_red_task_whose_run_is_still_finishing_when_restarted_then_it_waits_for_the_end(
        prefect_stack: object, exact_block: str) -> None:
    task_id, run_id = a_failed_task_of_a_running_run(exact_block, 1401)

    def end_the_run() -> None:
        time.sleep(2)
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(UUID(run_id), Failed(), force=True)

    ender = threading.Thread(target=end_the_run)
    ender.start()
    restarted = restart_task(task_id, actor="els@kantoor.be")
    ender.join()

    assert restarted == [task_id]
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(UUID(run_id)).state_name == "AwaitingRetry"
    mark_done([task_id])


def test_given_a_run_that_does_not_end_when_restarted_then_refused_as_finishing(
        prefect_stack: object, exact_block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    task_id, _ = a_failed_task_of_a_running_run(exact_block, 1402)
    monkeypatch.setattr("doorstroom.restart.FINISHING_SECONDS", 1.0)

    with pytest.raises(RestartRefused) as refused:
        restart_task(task_id, actor="els@kantoor.be")

    assert refused.value.reason == "run_finishing"
    mark_done([task_id])


def test_given_a_running_run_with_a_queued_task_when_restarted_then_refused_at_once(
        prefect_stack: object, exact_block: str) -> None:
    task_id, run_id = a_failed_task_of_a_running_run(exact_block, 1403)
    [other] = documents_for(tasks([task_id])[0].dossier_id, [a_proposal()])
    with session_scope() as session:
        session.execute(update(SyncTask).where(SyncTask.id == other)
                        .values(status=TaskStatus.QUEUED, last_flow_run_id=run_id))
    started = time.monotonic()

    with pytest.raises(RestartRefused) as refused:
        restart_task(task_id, actor="els@kantoor.be")

    assert refused.value.reason == "run_not_failed"
    assert time.monotonic() - started < 5  # no waiting for a run that is at work
    mark_done([task_id, other])


def test_a_document_posted_to_the_ingest_api_starts_its_run_without_a_dispatch(
        exact_sandbox: RunningExact, exact_block: str) -> None:
    exact_sandbox.state.add_division(1301, "Drukkerij Arrival")
    office = an_office()
    dossier = a_dossier(office, "Drukkerij Arrival", 1301, exact_block)
    with session_scope() as session:
        token = issue_token(session, office)
    client = TestClient(create_app(on_arrival))
    answer = client.post(f"/api/v1/dossiers/{dossier}/documents/proposal",
                         json={"proposal": a_proposal().model_dump(mode="json")},
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201
    with session_scope() as session:
        [task_id] = session.scalars(select(SyncTask.id).where(SyncTask.dossier_id == dossier))

    [settled] = wait_until_settled([task_id], timeout=60)  # no dispatch() was called

    assert settled.status == TaskStatus.DONE
    assert len(exact_sandbox.state.entries(1301)) == 1


def test_work_arriving_while_a_run_waits_to_start_joins_that_run(
        prefect_stack: object, exact_block: str) -> None:
    unserved = sync_dossier.to_deployment(name="unserved")
    unserved.apply()
    dossier = a_dossier(an_office(), "Bakkerij Wacht", 1302, exact_block)
    first = documents_for(dossier, [a_proposal()])
    assert on_arrival(dossier, deployment="sync-dossier/unserved") == 1
    second = documents_for(dossier, [a_proposal()])

    assert on_arrival(dossier, deployment="sync-dossier/unserved") == 0  # the run takes it

    assert [t.status for t in tasks(first + second)] == [TaskStatus.QUEUED, TaskStatus.PENDING]
    mark_done(first + second)


def test_work_arriving_while_prefect_is_away_is_stored_and_left_to_the_sweep(
        store_url: str, exact_block: str) -> None:
    dossier = a_dossier(an_office(), "Bakkerij Weg", 1303, exact_block)
    [task_id] = documents_for(dossier, [a_proposal()])

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):  # nobody there
        assert on_arrival(dossier) == 0

    assert [t.status for t in tasks([task_id])] == [TaskStatus.PENDING]
    mark_done([task_id])
