"""Twenty restarts of one failed task at once: one restart, one execution, one booking."""

from __future__ import annotations

from doorstroom.store.models import TaskStatus
from tests.helpers import wait_until_settled
from tests.sandboxes import RunningExact
from tests.storm import executions, failed_task, storm


def test_twenty_restarts_through_doorstroom_make_one_execution_and_one_booking(
        prefect_stack: object, exact_sandbox: RunningExact, exact_block: str) -> None:
    task_id, run_id = failed_task(exact_sandbox, exact_block, 6101)
    before = executions(run_id)

    answers = storm(task_id, run_id, api_retries=0)
    [task] = wait_until_settled([task_id])

    assert answers["restarted"] == 1, answers
    assert answers["already_restarted"] + answers["not_failed"] == 17, answers  # 2 recovers
    assert task.status == TaskStatus.DONE
    assert len(exact_sandbox.state.entries(6101)) == 1
    assert executions(run_id) - before == 1


def test_with_the_prefect_ui_retrying_too_there_is_still_one_booking(
        prefect_stack: object, exact_sandbox: RunningExact, exact_block: str) -> None:
    task_id, run_id = failed_task(exact_sandbox, exact_block, 6102)

    answers = storm(task_id, run_id, api_retries=4)
    [task] = wait_until_settled([task_id])

    assert answers["restarted"] <= 1, answers
    assert task.status == TaskStatus.DONE
    assert len(exact_sandbox.state.entries(6102)) == 1
