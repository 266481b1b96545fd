"""A restart storm: every restart path of Doorstroom at once, for tests and bench."""

from __future__ import annotations

import contextvars
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas import OrchestrationResult
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
    """How many times a flow run has entered Running."""
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
            result: OrchestrationResult[Any] = client.set_flow_run_state(
                UUID(run_id), AwaitingRetry(message="UI"))
        return f"ui:{result.status.value}"

    calls: list[Callable[[], str]] = [
        *(partial(person, n) for n in range(12)), *[recheck] * 4, *[recover] * 2,
        *[prefect_ui] * api_retries]
    calls += [partial(person, 100 + n) for n in range(20 - len(calls))]
    # The caller's context (its Prefect settings: which server) goes with every call.
    context = contextvars.copy_context()
    with ThreadPoolExecutor(len(calls)) as pool:
        return Counter(pool.map(lambda call: context.copy().run(call), calls))
