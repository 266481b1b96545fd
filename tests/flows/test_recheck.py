"""Auto-recheck: orange tasks whose cause is gone are restarted by Doorstroom itself."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from connectors.base import DossierRef
from connectors.wings.connector import WingsConnector
from connectors.wings.descriptor import WINGS
from connectors.wings.errors import WINGS_DATABASE_OUTDATED
from doorstroom.documents.service import request_dossier_link
from doorstroom.failures import codes as c
from doorstroom.store.db import session_scope
from doorstroom.store.models import Responsibility, TaskStatus, UserRole
from flows.dispatch import dispatch
from flows.recheck import recheck
from tests.helpers import (
    a_dossier,
    a_proposal,
    a_user,
    an_office,
    documents_for,
    email_of,
    tasks,
    wait_until_settled,
)
from tests.monitor.conftest import log_in
from tests.sandboxes import Running, RunningExact


def test_given_rights_granted_later_then_recheck_restarts_the_task_and_the_page_says_so(
        exact_sandbox: RunningExact, exact_block: str, monitor: TestClient) -> None:
    exact_sandbox.state.add_division(5801, "Recheck Brouwerij", rights=False)
    office = an_office()
    dossier = a_dossier(office, "Recheck Brouwerij", 5801, exact_block)
    with session_scope() as session:
        link = request_dossier_link(session, dossier)
    bookings = documents_for(dossier, [a_proposal()])
    dispatch()
    [orange] = wait_until_settled([link])
    assert orange.responsibility == Responsibility.EMPLOYEE

    assert recheck() == 0  # the cause is still there: nothing restarted
    assert tasks([link])[0].status == TaskStatus.FAILED
    exact_sandbox.state.set_rights(5801, True)  # the employee grants the rights
    assert recheck() == 2  # the link and the booking behind it

    settled = wait_until_settled([link, *bookings])
    assert {t.status for t in settled} == {TaskStatus.DONE}
    assert {t.restarted_by for t in settled} == {"auto-recheck"}
    assert len(exact_sandbox.state.entries(5801)) == 1
    log_in(monitor, email_of(a_user(UserRole.DOSSIER, office, [dossier], language="nl")))
    page = monitor.get(f"/dossiers/{dossier}").text
    assert "Automatisch opgelost: Doorstroom zag dat de oorzaak weg was" in page


@pytest.mark.parametrize("agent_sandbox", ["wings"], indirect=True)
def test_the_wings_probe_sees_an_upgraded_database(agent_sandbox: Running) -> None:
    agent_sandbox.state.add_dossier("OUD", "Oud BV", version=1, required_version=2)
    connector = WingsConnector(agent_sandbox.connection(), DossierRef(1, "Oud BV", "OUD"))
    assert WINGS.probe(connector, WINGS_DATABASE_OUTDATED.name) is False
    assert WINGS.probe(connector, c.NO_OPEN_BOOKING_PERIOD.name) is None  # no probe for that
    agent_sandbox.state.update("OUD", version=2)
    assert WINGS.probe(connector, WINGS_DATABASE_OUTDATED.name) is True
