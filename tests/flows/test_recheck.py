"""Auto-recheck: orange tasks whose cause is gone are restarted by Doorstroom itself."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

import flows.recheck as recheck_module
from connectors.base import DossierRef
from connectors.exact_online.descriptor import EXACT_ONLINE
from connectors.wings.connector import WingsConnector
from connectors.wings.descriptor import WINGS
from connectors.wings.errors import WINGS_DATABASE_OUTDATED
from doorstroom.clock import FakeClock
from doorstroom.documents.service import request_dossier_link
from doorstroom.failures import codes as c
from doorstroom.store.db import session_scope
from doorstroom.store.models import Responsibility, TaskStatus, UserRole
from flows.dispatch import dispatch
from flows.recheck import HISTORY, probe_due, recheck
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


@pytest.fixture
def recheck_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Recheck's time, moved by the test (its back-off spaces the looks at a dossier)."""
    fake = FakeClock(time.time())
    monkeypatch.setattr(recheck_module, "clock", fake)
    return fake


def test_given_rights_granted_later_then_recheck_restarts_the_task_and_the_page_says_so(
        exact_sandbox: RunningExact, exact_block: str, monitor: TestClient,
        recheck_clock: FakeClock) -> None:
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
    assert recheck() == 0  # a minute's back-off after a look that found the cause
    recheck_clock.sleep(61)
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


def test_a_dossier_whose_cause_stays_is_looked_at_less_often_and_within_exacts_budget() -> None:
    """Recheck every minute for three hours over a dossier without rights: the looks come
    after 1, 2, 4 … minutes, then hourly, and no hour holds 10 errors (Exact's block)."""
    start = datetime(2026, 11, 29, 8, tzinfo=UTC)
    history: list[tuple[datetime, str]] = []
    for minute in range(180):
        now = start + timedelta(minutes=minute)
        if probe_due(history, now, EXACT_ONLINE.probe_errors_per_hour):
            history.insert(0, (now, "present"))
    looks = sorted(at for at, _ in history)
    assert [int((at - start).total_seconds() // 60) for at in looks[:6]] == [0, 1, 3, 7, 15, 31]
    assert max(sum(1 for at in looks if at0 <= at < at0 + timedelta(hours=1))
               for at0 in looks) < 10


def test_the_budget_holds_even_without_back_off() -> None:
    """A cause that came back after a look found it gone: no back-off, but the hour's nine
    errors are spent."""
    start = datetime(2026, 11, 29, 8, tzinfo=UTC)
    history = [(start - timedelta(minutes=2), "gone")] + [
        (start - timedelta(minutes=5 * n), "present") for n in range(1, 10)]
    assert not probe_due(history, start, 9)
    assert probe_due(history, start, 10)
    assert probe_due(history, start, None)
    assert probe_due(history, start + timedelta(minutes=15), 9)  # the oldest left the hour


def test_after_the_ramp_a_dossier_whose_cause_stays_is_looked_at_hourly() -> None:
    """With only what recheck reads (``HISTORY``), the back-off stays hourly instead of
    starting over once the first looks leave the window."""
    start = datetime(2026, 11, 29, 8, tzinfo=UTC)
    history: list[tuple[datetime, str]] = []
    for minute in range(8 * 60):
        now = start + timedelta(minutes=minute)
        seen = [(at, outcome) for at, outcome in history if at >= now - HISTORY]
        if probe_due(seen, now, EXACT_ONLINE.probe_errors_per_hour):
            history.insert(0, (now, "present"))
    later = [at for at, _ in history if at >= start + timedelta(hours=4)]
    assert len(later) <= 4  # hours 4 to 8: about one look an hour
