"""The seed help page, played in a real browser: Debian's chromium driven by Playwright.

A dossier-level employee logs in, sees the orange icon, opens the sync follow-up, reads the
instruction, does the fix in the package (the sandbox), clicks the restart icon, and sees
the row follow the task and the dossier turn black. Screenshots of every page are saved in
``test-artifacts/monitor/``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr
from sqlalchemy import select

from connectors.sandbox_server import SandboxServer
from doorstroom.documents.service import request_dossier_link
from doorstroom.monitor.app import create_app
from doorstroom.monitor.config import MonitorConfig
from doorstroom.store.db import session_scope
from doorstroom.store.models import AuditEntry, Dossier, TaskStatus, UserRole
from flows.dispatch import dispatch
from tests.conftest import ARTIFACTS
from tests.flows.test_choose_period import a_closed_year, booked_periods
from tests.helpers import (
    PASSWORD,
    a_dossier,
    a_proposal,
    a_user,
    an_office,
    documents_for,
    email_of,
    wait_until_settled,
)
from tests.sandboxes import Running, RunningExact

SHOTS = ARTIFACTS / "monitor"
RIGHTS_TEXT = ("Voor het aanmaken van het dossier 'Brouwerij Browser' zijn de dossierrechten van "
               "de Doorstroom-gebruiker nog niet ingesteld.")


@pytest.fixture
def monitor_url(prefect_stack: object) -> Iterator[str]:
    """The monitor served on a free port of 127.0.0.1, secure cookies as in production."""
    config = MonitorConfig(session_key=SecretStr("browser-test-" * 4),
                           prefect_ui_url="http://127.0.0.1:4200")
    with SandboxServer(create_app(config)) as server:
        yield server.url


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_employee_fixes_the_cause_restarts_the_task_and_the_dossier_turns_black(
        monitor_url: str, exact_sandbox: RunningExact, exact_block: str,
        browser: Browser) -> None:
    exact_sandbox.state.add_division(4501, "Brouwerij Browser", rights=False)
    office = an_office("Kantoor Browser")
    dossier = a_dossier(office, "Brouwerij Browser", 4501, exact_block)
    with session_scope() as session:
        link_task = request_dossier_link(session, dossier)
    [booking] = documents_for(dossier, [a_proposal()])
    els = a_user(UserRole.DOSSIER, office, [dossier], language="nl")
    dispatch()
    wait_until_settled([link_task])

    page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="nl-BE")
    page.goto(f"{monitor_url}/clients")
    expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()
    shot(page, "01-login")
    page.get_by_label("E-mailadres").fill(email_of(els))
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()

    expect(page.get_by_role("heading", name="Actieve klanten")).to_be_visible()
    row = page.locator(f'tr[data-dossier="{dossier}"]')
    expect(row.locator("[data-icon]")).to_have_attribute("data-icon", "orange")
    expect(row.locator(".badge.orange")).to_have_text("1")
    shot(page, "02-active-clients-orange")

    row.get_by_role("link", name="Brouwerij Browser").click()
    expect(page.get_by_role("heading", name="Opvolging synchronisatie: Brouwerij Browser")
           ).to_be_visible()
    task_row = page.locator(f"#task-{link_task}")
    expect(task_row.locator(".status")).to_have_text("Actie medewerker vereist")
    expect(task_row.locator(".instruction")).to_contain_text(RIGHTS_TEXT)
    shot(page, "03-follow-up-instruction")

    exact_sandbox.state.set_rights(4501, True)  # the employee's fix, in the package
    page.locator(f"#task-{link_task}").get_by_role("button", name="Taak opnieuw opstarten").click()
    expect(page.locator(f"#task-{link_task} .notice")).to_contain_text("Opnieuw gestart")
    shot(page, "04-follow-up-restarted")
    expect(page.locator(f"#task-{link_task}")).to_have_class("task done", timeout=120_000)
    expect(page.locator(f"#task-{booking}")).to_have_class("task done", timeout=120_000)
    expect(page.locator("#summary [data-icon]")).to_have_attribute("data-icon", "black")
    shot(page, "05-follow-up-done")

    page.get_by_role("link", name="Actieve klanten").click()
    expect(page.locator(f'tr[data-dossier="{dossier}"] [data-icon]')
           ).to_have_attribute("data-icon", "black")
    shot(page, "06-active-clients-black")
    page.close()

    assert len(exact_sandbox.state.entries(4501)) == 1
    with session_scope() as session:
        restarts = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "restart", AuditEntry.user_id == els.user_id)).all()
    assert len(restarts) == 1 and restarts[0].actor == email_of(els)


@pytest.mark.parametrize("width", [390, 1366])
def test_fix_once_restart_all_twenty_blocked_documents_are_booked_exactly_once(
        monitor_url: str, exact_sandbox: RunningExact, exact_block: str, browser: Browser,
        width: int) -> None:
    division = 4600 + width
    name = f"Garage Probleem {width}"
    exact_sandbox.state.add_division(division, name, rights=False)
    office = an_office(f"Kantoor Probleem {width}")
    dossier = a_dossier(office, name, division, exact_block)
    blocked: list[int] = []
    batches = 2 if width < 1000 else 1  # on the phone the problem spans two runs
    for batch in range(batches):
        blocked += documents_for(dossier, [a_proposal(f"P{width}-{batch}-{n}")
                                           for n in range(20 // batches)])
        dispatch()
        stopped = wait_until_settled(blocked, behind_a_failure=True)
    # each run stopped at its first failure: the rest waits instead of asking Exact again
    assert sum(task.status == TaskStatus.FAILED for task in stopped) == batches
    marie = a_user(UserRole.OFFICE, office, language="nl")

    page = browser.new_page(viewport={"width": width, "height": 900}, locale="nl-BE")
    page.goto(f"{monitor_url}/login")
    page.get_by_label("E-mailadres").fill(email_of(marie))
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.goto(f"{monitor_url}/dossiers/{dossier}")
    problem = page.locator(".problem.employee")
    expect(problem).to_have_count(1)
    expect(problem.locator(".meta")).to_contain_text("20 taken wachten hierop")
    restart = problem.get_by_role("button", name="Alle 20 taken opnieuw opstarten")
    box = restart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    shot(page, f"07-problem-{width}")

    exact_sandbox.state.set_rights(division, True)  # the one fix, in the package
    restart.click()
    expect(page.locator(".flash")).to_contain_text("opnieuw", timeout=60_000)
    settled = wait_until_settled(blocked)
    page.reload()
    expect(page.locator(".problem")).to_have_count(0)
    expect(page.locator("#summary [data-icon]")).to_have_attribute("data-icon", "black")
    shot(page, f"08-problem-solved-{width}")
    page.close()

    booked = [entry["YourRef"] for entry in exact_sandbox.state.entries(division)]
    assert len(booked) == 20 and len(set(booked)) == 20  # each document once
    assert {task.status for task in settled} == {TaskStatus.DONE}
    with session_scope() as session:
        audited = session.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(("restart_problem", "restart")),
            AuditEntry.user_id == marie.user_id)).all()
    problem = [entry for entry in audited if entry.action == "restart_problem"]
    runs = [entry for entry in audited if entry.action == "restart"]
    assert len(problem) == 1 and len(problem[0].detail["tasks"]) == batches  # the failed ones
    assert len(runs) == batches  # every run of the problem, once
    assert sorted(t for entry in runs for t in entry.detail["tasks"]) == sorted(blocked)


def test_a_closed_year_the_employee_books_the_document_in_the_next_year_from_the_monitor(
        monitor_url: str, winbooks_sandbox: Running, winbooks_block: str,
        browser: Browser) -> None:
    dossier, task_id = a_closed_year(winbooks_sandbox, winbooks_block, "SLOT2")
    with session_scope() as session:
        office = session.get_one(Dossier, dossier).office_id
    peter = a_user(UserRole.OFFICE, office, language="nl")

    phone = browser.new_page(viewport={"width": 390, "height": 800}, locale="nl-BE")
    log_in_as(phone, monitor_url, email_of(peter))
    phone.goto(f"{monitor_url}/dossiers/{dossier}")
    expect(phone.locator(f"#task-{task_id} form.period-choice button")).to_be_visible()
    shot(phone, "07-closed-year-choice-390")
    phone.close()

    page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="nl-BE")
    log_in_as(page, monitor_url, email_of(peter))
    page.goto(f"{monitor_url}/dossiers/{dossier}")
    row = page.locator(f"#task-{task_id}")
    expect(row.locator(".instruction")).to_contain_text(
        "Als dit boekjaar definitief gesloten is, boek het document dan in de eerste open "
        "periode van het volgende boekjaar (2018/01): kies ze hieronder.")
    expect(row.locator("select[name=period]")).to_have_value("201801")
    shot(page, "08-closed-year-choice")
    row.get_by_role("button", name="Boeken in de gekozen periode").click()
    expect(row.locator("input[name=confirm]")).to_be_visible()  # refused without the tick
    row.get_by_label("Ik bevestig").check()
    row.get_by_role("button", name="Boeken in de gekozen periode").click()
    expect(page.locator(f"#task-{task_id} .notice")).to_contain_text("Verplaatst naar 2018/01")
    expect(page.locator(f"#task-{task_id}")).to_have_class("task done", timeout=120_000)
    shot(page, "09-closed-year-booked")

    page.goto(f"{monitor_url}/tasks/{task_id}")
    expect(page.locator("main")).to_contain_text(
        f"{email_of(peter)} koos om het document te boeken in 2018/01 in plaats van 2017/09.")
    shot(page, "10-closed-year-history")
    page.close()

    assert booked_periods(winbooks_sandbox, "SLOT2") == ["201801"]
    with session_scope() as session:
        [entry] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "choose_period", AuditEntry.object_id == str(task_id)))
    assert (entry.actor, entry.user_id) == (email_of(peter), peter.user_id)


def log_in_as(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", name="Actieve klanten")).to_be_visible()
