"""Twenty restarts of one failed task at once: one restart, one execution, one booking."""

from __future__ import annotations

from uuid import UUID

from prefect.client.orchestration import get_client

from doorstroom.store.models import TaskStatus
from flows.dispatch import dispatch
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, wait_until_settled
from tests.sandboxes import RunningExact
from tests.storm import storm


def failed_task(sandbox: RunningExact, block: str, division: int) -> tuple[int, str]:
    """A booking refused for a closed period, the period reopened: ready for a restart."""
    sandbox.state.add_division(division, f"Storm {division}")
    sandbox.state.set_period_closed(division, 2026, 3, True)
    [task_id] = documents_for(a_dossier(an_office(), f"Storm {division}", division, block),
                              [a_proposal()])
    dispatch()
    [task] = wait_until_settled([task_id])
    assert task.status == TaskStatus.FAILED and task.last_flow_run_id
    sandbox.state.set_period_closed(division, 2026, 3, False)
    return task_id, task.last_flow_run_id


def executions(run_id: str) -> int:
    with get_client(sync_client=True) as client:
        return sum(state.type.value == "RUNNING"
                   for state in client.read_flow_run_states(UUID(run_id)))


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
