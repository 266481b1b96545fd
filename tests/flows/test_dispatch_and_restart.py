"""Dispatch never starts two runs for the same tasks; restart refuses what it cannot retry."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from doorstroom.restart import RestartRefused, restart_task
from doorstroom.store.db import session_scope
from doorstroom.store.models import SyncTask, TaskStatus
from flows.dispatch import dispatch
from flows.sync_dossier import sync_dossier
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, tasks, wait_until_settled
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
