"""End to end through Prefect for Adsolut: the seed's missing booking period 201802."""

from __future__ import annotations

from datetime import date

from doorstroom.restart import restart_task
from doorstroom.store.models import Responsibility, TaskStatus
from flows.dispatch import dispatch
from tests.flows.test_sync_dossier_exact import wait_for_flow_state
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, wait_until_settled
from tests.sandboxes import Running

PERIOD_TEXT = ("Er is geen open boekperiode gevonden voor periode 201802. Maak deze periode eerst "
               "aan of heropen ze in het boekhoudpakket.")


def test_given_no_open_period_when_synced_then_employee_opens_it_and_restart_books_once(
        adsolut_sandbox: Running, adsolut_block: str) -> None:
    adsolut_sandbox.state.add_database("WOUTERS")
    adsolut_sandbox.state.set_period_open("WOUTERS", "201802", False)
    dossier = a_dossier(an_office(), "Apotheek Wouters", 0, adsolut_block, package="adsolut",
                        external_id="WOUTERS")
    [task_id] = documents_for(dossier, [a_proposal(issue_date=date(2018, 2, 5))])

    dispatch()
    [task] = wait_until_settled([task_id])

    assert task.responsibility == Responsibility.EMPLOYEE
    assert task.failure_params == {"period": "201802"}
    run = wait_for_flow_state(task_id, "EmployeeActionRequired")
    assert run.state is not None and PERIOD_TEXT in (run.state.message or "")

    adsolut_sandbox.state.set_period_open("WOUTERS", "201802", True)  # the employee opens it
    restart_task(task_id, actor="test employee")
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.DONE
    assert adsolut_sandbox.sandbox.bookings("WOUTERS") == [task.external_ref]
