"""A restart storm: every restart path of Doorstroom at once, for tests and bench."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.states import AwaitingRetry

from doorstroom.restart import RestartRefused, restart_flow_run, restart_task
from flows.recover import recover_interrupted


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
