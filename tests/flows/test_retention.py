"""``prune`` removes Prefect's finished runs older than the retention age, and never a run
that failed (a restart retries that one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from flows.retention import prune_flow_runs


@flow(name="retention-probe")
def probe(fail: bool = False) -> str:
    if fail:
        raise RuntimeError("a run a restart would retry")
    return "done"


def test_finished_runs_go_and_failed_runs_stay(prefect_stack: object) -> None:
    done = [probe(return_state=True) for _ in range(3)]
    failed = probe(fail=True, return_state=True)
    ids = [state.state_details.flow_run_id for state in (*done, failed)]

    removed = prune_flow_runs(datetime.now(UTC), batch=2, flows=["retention-probe"])

    assert removed >= 3
    with get_client(sync_client=True) as client:
        for run_id in ids[:3]:
            with pytest.raises(ObjectNotFound):
                client.read_flow_run(run_id)
        kept = client.read_flow_run(ids[3])
    assert kept.state is not None and kept.state.is_failed()
