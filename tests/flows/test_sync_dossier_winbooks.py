"""End to end through Prefect for WinBooks on Web: the seed's closed VAT period case."""

from __future__ import annotations

from datetime import date

from doorstroom.restart import restart_task
from doorstroom.settings import get_settings
from doorstroom.store.models import Responsibility, TaskStatus
from flows.dispatch import dispatch
from tests.flows.test_sync_dossier_exact import wait_for_flow_state
from tests.helpers import (
    a_dossier,
    a_spread_proposal,
    an_office,
    documents_for,
    wait_until_settled,
)
from tests.sandboxes import Running

VAT_TEXT = ("Er is geen open btw-periode gevonden voor de boekperiodes 201709 en 201712. "
            "Gelieve deze periodes te heropenen in het boekhoudpakket, en daarna de taak "
            "opnieuw te lanceren via het icoontje rechts.")


def test_given_a_closed_vat_period_when_synced_then_employee_reopens_and_restart_books_once(
        winbooks_sandbox: Running, winbooks_block: str) -> None:
    winbooks_sandbox.state.add_folder("JANSSENS", "Schrijnwerkerij Janssens")
    winbooks_sandbox.state.set_vat_closed("JANSSENS", 2017, 9, True)
    winbooks_sandbox.state.set_vat_closed("JANSSENS", 2017, 12, True)
    dossier = a_dossier(an_office(), "Schrijnwerkerij Janssens", 0, winbooks_block,
                        package="winbooks", external_id="JANSSENS")
    [task_id] = documents_for(dossier, [a_spread_proposal("V-2017-9", date(2017, 9, 14),
                                                          second_period="201712")])

    dispatch()
    [task] = wait_until_settled([task_id])

    assert task.responsibility == Responsibility.EMPLOYEE
    assert task.failure_code == "winbooks.vat_period_closed"
    assert task.failure_params == {"periods": "201709,201712",
                                   "support": get_settings().support_email}
    run = wait_for_flow_state(task_id, "EmployeeActionRequired")
    assert run.state is not None and VAT_TEXT in (run.state.message or "")

    winbooks_sandbox.state.set_vat_closed("JANSSENS", 2017, 9, False)  # the employee reopens
    winbooks_sandbox.state.set_vat_closed("JANSSENS", 2017, 12, False)
    restart_task(task_id, actor="test employee")
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.DONE
    assert [t["Id"] for t in winbooks_sandbox.state.transactions("JANSSENS")] == [
        task.external_ref]
