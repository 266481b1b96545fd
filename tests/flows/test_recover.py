"""No task stays queued or running after its flow run ended: recover-interrupted."""

from __future__ import annotations

from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.states import Crashed

from doorstroom.flows.dispatch import dispatch
from doorstroom.flows.recover import recover_interrupted
from doorstroom.flows.restart import restart_task
from doorstroom.flows.sync_dossier import sync_dossier
from doorstroom.store.models import Responsibility, TaskStatus
from tests.flows.test_dispatch_and_restart import mark_done
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, tasks

pytestmark = pytest.mark.prefect


def test_given_a_crashed_run_holding_tasks_then_they_become_interrupted_and_restartable(
        prefect_stack: object, exact_block: str) -> None:
    sync_dossier.to_deployment(name="unserved").apply()  # no worker runs it
    task_ids = documents_for(a_dossier(an_office(), "Crash NV", 0, exact_block),
                             [a_proposal(), a_proposal()])
    dispatch(deployment="sync-dossier/unserved")
    [run_id] = {t.last_flow_run_id for t in tasks(task_ids)}
    assert run_id is not None
    recover_interrupted()  # the run is only scheduled: its tasks are left alone
    assert {t.status for t in tasks(task_ids)} == {TaskStatus.QUEUED}
    with get_client(sync_client=True) as client:  # the worker died: the run crashed
        client.set_flow_run_state(UUID(run_id), Crashed(message="worker killed"), force=True)

    recover_interrupted()

    recovered = tasks(task_ids)
    assert {t.status for t in recovered} == {TaskStatus.FAILED}
    assert {t.responsibility for t in recovered} == {Responsibility.SUPPORT}
    assert {t.failure_code for t in recovered} == {"run_interrupted"}
    assert sorted(restart_task(task_ids[0], actor="support")) == sorted(task_ids)
    assert {t.status for t in tasks(task_ids)} == {TaskStatus.QUEUED}
    mark_done(task_ids)
