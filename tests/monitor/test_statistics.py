"""The statistics page: time-to-fix per class, package and office over 30 days, open tasks
by age, support's tasks past the target — for support every office, for an office its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from doorstroom.failures import Responsibility
from doorstroom.store.models import UserRole
from tests.helpers import a_dossier, a_fixed_task, a_user, an_office, email_of
from tests.monitor.conftest import log_in


def seed_history(office_name: str, package: str) -> tuple[int, int]:
    """An office with a month of fixes: office fixes of 1 to 5 hours, support fixes of a
    day, one fix 40 days ago (outside the window), and open tasks of several ages."""
    office = an_office(office_name)
    dossier = a_dossier(office, f"{office_name} Klant", 0, "b", package=package)
    now = datetime.now(UTC)
    for day, hours in enumerate((1, 2, 3, 4, 5)):
        a_fixed_task(dossier, Responsibility.EMPLOYEE, now - timedelta(days=day + 2),
                     timedelta(minutes=30), timedelta(hours=hours))
    for day in (3, 10):
        a_fixed_task(dossier, Responsibility.SUPPORT, now - timedelta(days=day),
                     timedelta(hours=2), timedelta(days=1))
    a_fixed_task(dossier, Responsibility.EMPLOYEE, now - timedelta(days=40), None,
                 timedelta(hours=100))
    a_fixed_task(dossier, Responsibility.SUPPORT, now - timedelta(days=8), None, None)
    a_fixed_task(dossier, Responsibility.EMPLOYEE, now - timedelta(hours=2), None, None)
    return office, dossier


def test_support_sees_every_office_and_an_office_only_its_own(monitor: TestClient) -> None:
    mine, _ = seed_history("Statistiek Eigen", "exact_online")
    seed_history("Statistiek Ander", "winbooks")
    log_in(monitor, email_of(a_user(UserRole.SUPPORT, None)))
    page = monitor.get("/statistics").text
    assert "Statistiek Eigen" in page and "Statistiek Ander" in page
    assert "Tijd tot oplossing, per pakket" in page and "WinBooks on Web" in page

    log_in(monitor, email_of(a_user(UserRole.OFFICE, mine)))
    page = monitor.get("/statistics").text
    assert "Statistiek Ander" not in page and "WinBooks on Web" not in page
    assert "<strong>7</strong> opgeloste mislukte taken" in page  # 40 days ago is not counted
    assert "<strong>2</strong> mislukte taken nog open" in page
    office_row = page.split("<th scope=\"row\">Kantoor</th>")[1].split("</tr>")[0]
    assert ">5</td>" in office_row and ">3 uur</td>" in office_row  # the median of 1..5 hours
    assert "<strong>1</strong> ondersteuningstaak over de doelstelling van 4 werkuren" in page
