"""A year closed for good: the document moves to the first open period of the next financial
year — chosen in Prefect's input form of the ``choose-period`` run — and is booked once,
there; the choice is audited. (The monitor's form: ``tests/monitor/test_browser.py``.)"""

from __future__ import annotations

from datetime import date

from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select

from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from doorstroom.store.models import AuditEntry, SyncTask, TaskStatus
from flows.dispatch import dispatch
from tests.flows.test_recover import wait_for_state
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, wait_until_settled
from tests.sandboxes import Running


def a_closed_year(sandbox: Running, block: str, code: str) -> tuple[int, int]:
    """A WinBooks folder whose 2017 VAT period of September is closed for good, its master
    data read, and an invoice of 14 September 2017 that failed on it; (dossier, task)."""
    sandbox.state.add_folder(code, f"Jaarafsluiting {code}")
    sandbox.state.set_vat_closed(code, 2017, 9, True)
    dossier = a_dossier(an_office(), f"Jaarafsluiting {code}", 0, block, package="winbooks",
                        external_id=code)
    with session_scope() as session:
        [refresh] = repo.queue_master_data_refresh(session, [dossier])
    [task] = documents_for(dossier, [a_proposal(f"{code}-1", date(2017, 9, 14))])
    dispatch()
    refreshed, failed = wait_until_settled([refresh, task])
    assert refreshed.status == TaskStatus.DONE
    assert failed.failure_code == "winbooks.vat_period_closed"
    return dossier, task


def booked_periods(sandbox: Running, code: str) -> list[str]:
    """The book period (``YYYYMM``) of each transaction of a folder."""
    folder = sandbox.state.folders[code]
    by_id = {state.id: f"{year}{month:02d}" for (year, month), state in folder.periods.items()}
    return [by_id[str(t["BookPeriod_Id"])] for t in sandbox.state.transactions(code)]


def test_the_operator_chooses_the_next_year_in_prefects_form_and_it_is_booked_once_there(
        winbooks_sandbox: Running, winbooks_block: str) -> None:
    dossier, task_id = a_closed_year(winbooks_sandbox, winbooks_block, "SLOT1")

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("choose-period/choose-period")
        run = client.create_flow_run_from_deployment(deployment.id,
                                                     parameters={"task_id": task_id})
    assert wait_for_state(str(run.id), {"Paused"}) == "Paused"  # the form waits for an answer
    with get_client(sync_client=True) as client:  # the form Prefect's UI renders
        state = client.read_flow_run(run.id).state
        assert state is not None and state.state_details.run_input_keyset is not None
        keyset = state.state_details.run_input_keyset
        description = client.read_flow_run_input(run.id, keyset["description"])
        schema = client.read_flow_run_input(run.id, keyset["schema"])
    assert "Jaarafsluiting SLOT1" in description and "**2018/01**" in description
    assert '"201801"' in schema and '"confirm"' in schema

    resume_flow_run(run.id, run_input={"period": "201801", "confirm": True})
    assert wait_for_state(str(run.id), {"Completed", "Failed"}, 90) == "Completed"
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.DONE and task.period_override == "201801"
    assert booked_periods(winbooks_sandbox, "SLOT1") == ["201801"]
    with session_scope() as session:
        [entry] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "choose_period", AuditEntry.object_id == str(task_id)))
        assert entry.actor == "Prefect UI"
        assert entry.detail == {"from": "201709", "to": "201801", "document": "SLOT1-1"}
        document_due = session.get_one(SyncTask, task_id).document
        assert document_due is not None and document_due.vat_return == "2018-01"
    assert dossier
