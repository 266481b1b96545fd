"""VAT deadlines on waiting work: shown, coloured, ranked first, summed per dossier, and
following the dossier's filing frequency."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstroom import clock
from doorstroom.failures import Responsibility
from doorstroom.store.db import session_scope
from doorstroom.store.models import AuditEntry, UserRole
from tests.helpers import (
    a_dossier,
    a_proposal,
    a_user,
    an_office,
    documents_for,
    email_of,
    fail_tasks,
)
from tests.monitor.conftest import log_in, post

CLOSED = "adsolut.no_open_booking_period"


@pytest.fixture
def the_17th(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tuesday 17 November 2026, 10:00 in Brussels."""
    moment = datetime(2026, 11, 17, 9, 0, tzinfo=UTC).timestamp()
    monkeypatch.setattr(clock, "SYSTEM", clock.FakeClock(moment))


def rows_of(page: str) -> list[str]:
    """The task rows of a page, in order."""
    return page.split('<tr id="task-')[1:]


def test_a_monthly_filers_invoice_of_last_month_is_ranked_first_with_three_days_left(
        monitor: TestClient, the_17th: None) -> None:
    office = an_office("Kantoor Deadline")
    later = a_dossier(office, "Deadline Later BV", 0, "b", package="adsolut")
    sooner = a_dossier(office, "Deadline Sooner BV", 0, "b", package="adsolut")
    [november] = documents_for(later, [a_proposal("NOV-1", date(2026, 11, 3))])
    [october] = documents_for(sooner, [a_proposal("OKT-1", date(2026, 10, 28),
                                                  amount="1000.00")])
    fail_tasks([november], Responsibility.EMPLOYEE, CLOSED, {"period": "202611"})
    fail_tasks([october], Responsibility.EMPLOYEE, CLOSED, {"period": "202610"})
    log_in(monitor, email_of(a_user(UserRole.OFFICE, office)))

    page = monitor.get("/tasks", params={"status": "employee"}).text
    first, second = rows_of(page)[:2]
    assert first.startswith(f'{october}"') and "OKT-1" in first
    assert '<span class="deadline amber">btw-aangifte oktober 2026 — nog 3 dagen</span>' in first
    assert "btw-aangifte november 2026 — nog 34 dagen" in second  # due Monday 21 December
    problems = page.split('class="problem ')[1:]
    assert "Deadline Sooner BV" in problems[0] and "nog 3 dagen" in problems[0]

    dossier_page = monitor.get(f"/dossiers/{sooner}").text.replace("\xa0", " ")
    assert "1 document wacht om geboekt te worden · btw € 210,00" in dossier_page


def test_the_support_queue_puts_the_nearest_deadline_first_after_the_urgent_ones(
        monitor: TestClient, the_17th: None) -> None:
    office = an_office("Kantoor Rood")
    dossier = a_dossier(office, "Rood Deadline BV", 0, "b")
    tasks = documents_for(dossier, [a_proposal("R-NOV", date(2026, 11, 2)),
                                    a_proposal("R-SEP", date(2026, 9, 30)),
                                    a_proposal("R-OKT", date(2026, 10, 2))])
    fail_tasks(tasks, Responsibility.SUPPORT, "unexpected_error", {"detail": "x"})
    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None)))

    rows = [row for row in rows_of(monitor.get("/support").text) if "Rood Deadline BV" in row]
    assert ["R-SEP" in rows[0], "R-OKT" in rows[1], "R-NOV" in rows[2]] == [True] * 3
    assert '<span class="deadline red">btw-aangifte september 2026 — 28 dagen te laat' \
        in rows[0]


def test_an_office_user_sets_quarterly_filing_and_the_deadline_follows(
        monitor: TestClient, the_17th: None) -> None:
    office = an_office("Kantoor Kwartaal")
    dossier = a_dossier(office, "Kwartaal BV", 0, "b", package="adsolut")
    [task] = documents_for(dossier, [a_proposal("Q-1", date(2026, 10, 28))])
    fail_tasks([task], Responsibility.EMPLOYEE, CLOSED, {"period": "202610"})
    clerk = a_user(UserRole.DOSSIER, office, [dossier])
    log_in(monitor, email_of(clerk))
    assert post(monitor, f"/dossiers/{dossier}/vat-filing", page=f"/dossiers/{dossier}",
                filing="quarterly") == 303
    assert "nog 3 dagen" in monitor.get(f"/dossiers/{dossier}").text  # a clerk may not

    manager = a_user(UserRole.OFFICE, office)
    log_in(monitor, email_of(manager))
    assert post(monitor, f"/dossiers/{dossier}/vat-filing", page=f"/dossiers/{dossier}",
                filing="quarterly") == 303
    page = monitor.get(f"/dossiers/{dossier}").text
    assert "btw-aangifte 4e kwartaal 2026 — nog 69 dagen" in page  # due 25 January 2027
    with session_scope() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "vat_filing", AuditEntry.object_id == str(dossier))).one()
        assert entry.actor == email_of(manager)
        assert entry.detail == {"from": "monthly", "to": "quarterly"}
