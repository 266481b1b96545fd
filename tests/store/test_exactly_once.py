"""The store's two guards of "booked once": the restart compare-and-set and the task lease."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from doorstroom.store import repository as repo
from doorstroom.store.db import StoreConflict, session_scope
from doorstroom.store.models import SyncTask, TaskStatus, utcnow
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, tasks


def a_task() -> int:
    [task_id] = documents_for(a_dossier(an_office(), "Lease BV", 0, "none"), [a_proposal()])
    return task_id


def test_given_a_lease_held_then_another_execution_gets_nothing(store_url: str) -> None:
    task_id = a_task()
    with session_scope() as session:
        first = repo.start_attempt(session, task_id, "run-1", "task-run-a")
    with session_scope() as session:
        second = repo.start_attempt(session, task_id, "run-1", "task-run-b")
    with session_scope() as session:
        retry = repo.start_attempt(session, task_id, "run-1", "task-run-a")  # Prefect retry
    assert first is not None and second is None and retry is not None
    with session_scope() as session:
        repo.finish_done(session, task_id, retry, "E-1")
    with session_scope() as session:  # done is done, whoever asks
        assert repo.start_attempt(session, task_id, "run-1", "task-run-c", force=True) is None
    [task] = tasks([task_id])
    assert task.status == TaskStatus.DONE and task.lease_owner is None and task.attempts == 2


def test_given_an_expired_or_released_lease_then_it_can_be_taken(store_url: str) -> None:
    task_id = a_task()
    with session_scope() as session:
        assert repo.start_attempt(session, task_id, "run-1", "dead") is not None
        session.execute(update(SyncTask).where(SyncTask.id == task_id).values(
            lease_expires_at=utcnow() - timedelta(seconds=1)))
    with session_scope() as session:
        assert repo.start_attempt(session, task_id, "run-1", "alive") is not None
    with session_scope() as session:
        assert repo.start_attempt(session, task_id, "run-1", "other") is None
        assert repo.start_attempt(session, task_id, "run-1", "recovery", force=True) is not None


def test_given_twenty_executions_at_once_then_exactly_one_holds_the_task(store_url: str) -> None:
    task_id = a_task()
    won: list[int] = []
    start = threading.Barrier(20)

    def execution(number: int) -> None:
        start.wait()
        with session_scope() as session:
            if repo.start_attempt(session, task_id, "run-1", f"task-run-{number}") is not None:
                won.append(number)

    threads = [threading.Thread(target=execution, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_given_two_restarts_of_one_state_then_the_second_is_refused(store_url: str) -> None:
    with session_scope() as session:
        repo.add_restart(session, "run-9", "state-1", "EmployeeActionRequired", "els@x.be")
    with pytest.raises(StoreConflict), session_scope() as session:
        repo.add_restart(session, "run-9", "state-1", "EmployeeActionRequired", "sam@x.be")
    with session_scope() as session:
        first = repo.restart_of(session, "run-9", "state-1")
        assert first is not None and first.actor == "els@x.be"
        repo.add_restart(session, "run-9", "state-2", "Crashed", "recover-interrupted")
        assert repo.restarts_of_run(session, "run-9", "recover-interrupted") == 1
