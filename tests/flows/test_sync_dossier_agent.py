"""End to end through Prefect for the on-premise packages: the seed's Wings and Expert/M cases."""

from __future__ import annotations

import pytest

from doorstroom.documents.service import withdraw
from doorstroom.restart import restart_task
from doorstroom.store.db import session_scope
from doorstroom.store.models import Responsibility, TaskStatus
from flows.dispatch import dispatch
from tests.flows.test_sync_dossier_exact import wait_for_flow_state
from tests.helpers import a_dossier, a_proposal, an_office, documents_for, tasks, wait_until_settled
from tests.sandboxes import Running

WINGS_TEXT = ("De databaseversie van Wings voor dit dossier is verouderd. Update het "
              "Wings-dossier naar de nieuwe databasestructuur via Beheer | Updaten dossiers.")
BACKUP_TEXT = ("De database voor dossier Bouw Claes is niet aanwezig op de Expert/M-server; er "
               "staat wel een backup. Zodra de database terug beschikbaar is, kan de taak opnieuw "
               "gestart worden.")
PAYMENT_TEXT = ("Aan dit document is al een betaling gekoppeld, waardoor de boeking niet "
                "verwijderd kan worden. Verwijder de betaling en start daarna de verwijdertaak "
                "opnieuw.")


def a_blocked_dossier(agent: Running, block: str) -> tuple[int, str, str]:
    """Wings: database outdated; Expert/M: database absent with a backup."""
    blocked = ({"version": 1} if agent.package == "wings" else {"database_present": False})
    agent.state.add_dossier("CLAES", "Bouw Claes", **blocked)
    dossier = a_dossier(an_office(), "Bouw Claes", 0, block, package=agent.package,
                        external_id="CLAES")
    expected = WINGS_TEXT if agent.package == "wings" else BACKUP_TEXT
    return dossier, expected, agent.package


def the_employee_fixes(agent: Running) -> None:
    if agent.package == "wings":
        agent.state.update("CLAES", version=2)  # Beheer | Updaten dossiers
    else:
        agent.state.update("CLAES", database_present=True)  # database restored


def test_given_a_blocked_database_when_synced_then_employee_fixes_and_restart_books_once(
        agent_sandbox: Running, agent_block: str) -> None:
    dossier, expected_text, _ = a_blocked_dossier(agent_sandbox, agent_block)
    [task_id] = documents_for(dossier, [a_proposal()])

    dispatch()
    [task] = wait_until_settled([task_id])

    assert task.responsibility == Responsibility.EMPLOYEE
    run = wait_for_flow_state(task_id, "EmployeeActionRequired")
    assert run.state is not None and expected_text in (run.state.message or "")

    the_employee_fixes(agent_sandbox)
    restart_task(task_id, actor="test employee")
    [task] = wait_until_settled([task_id])

    assert task.status == TaskStatus.DONE
    assert [b["booking_id"] for b in agent_sandbox.state.bookings("CLAES")] == [task.external_ref]


@pytest.mark.parametrize("agent_sandbox", ["expert_m"], indirect=True)
def test_given_a_linked_payment_when_the_document_is_withdrawn_then_employee_removes_it(
        agent_sandbox: Running, agent_block: str) -> None:
    agent_sandbox.state.add_dossier("CLAES", "Bouw Claes")
    dossier = a_dossier(an_office(), "Bouw Claes", 0, agent_block, package="expert_m",
                        external_id="CLAES")
    [post_id] = documents_for(dossier, [a_proposal()])
    dispatch()
    [post] = wait_until_settled([post_id])
    assert post.external_ref is not None
    agent_sandbox.state.link_payment("CLAES", post.external_ref)
    with session_scope() as session:
        delete_id = withdraw(session, post.document_id or 0)

    dispatch()
    [delete] = wait_until_settled([delete_id])

    assert delete.failure_code == "expert_m.payment_linked"
    run = wait_for_flow_state(delete_id, "EmployeeActionRequired")
    assert run.state is not None and PAYMENT_TEXT in (run.state.message or "")

    agent_sandbox.state.dossiers["CLAES"].payments.clear()  # the employee removes the payment
    restart_task(delete_id, actor="test employee")
    [delete] = wait_until_settled([delete_id])

    assert delete.status == TaskStatus.DONE
    assert agent_sandbox.state.bookings("CLAES") == []
    assert tasks([post_id])[0].status == TaskStatus.DONE
