"""Twenty restarts of one failed task at once: one restart, one execution, one booking."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.states import AwaitingRetry

from doorstroom.restart import RestartRefused, restart_flow_run, restart_task
from doorstroom.store.models import TaskStatus
from flows.dispatch import dispatch
from flows.recover import recover_interrupted
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, wait_until_settled
from tests.sandboxes import RunningExact


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


def storm(task_id: int, run_id: str, api_retries: int) -> Counter[str]:
    """Restarts through every path at once; count how each was answered."""
    def person(number: int) -> str:
        try:
            restart_task(task_id, actor=f"user{number}@kantoor.be")
        except RestartRefused as refused:
            return refused.reason
        return "restarted"

    def recheck() -> str:
        try:
            restart_flow_run(run_id, actor="auto-recheck")
        except RestartRefused as refused:
            return refused.reason
        return "restarted"

    def recover() -> str:
        return f"recover:{recover_interrupted()}"

    def prefect_ui() -> str:  # the Retry button: Prefect's own rules decide
        with get_client(sync_client=True) as client:
            result = client.set_flow_run_state(UUID(run_id), AwaitingRetry(message="UI"))
        return f"ui:{result.status.value}"

    calls = ([lambda n=n: person(n) for n in range(12)] + [recheck] * 4 + [recover] * 2
             + [prefect_ui] * api_retries)
    calls += [lambda n=n: person(100 + n) for n in range(20 - len(calls))]
    with ThreadPoolExecutor(len(calls)) as pool:
        return Counter(pool.map(lambda call: call(), calls))


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
