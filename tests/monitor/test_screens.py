"""Every screen, from a phone to a wide monitor: the instruction and the restart control of a
red or orange task are in view without sideways scrolling, the actions carry a label, and
axe-core finds no serious accessibility violation. Screenshots of each page at 390 px and
1366 px in Dutch and French are saved in ``test-artifacts/monitor/screens/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from connectors.sandbox_server import SandboxServer
from doorstroom.failures import Responsibility
from doorstroom.monitor.app import create_app
from doorstroom.monitor.config import MonitorConfig
from doorstroom.store.models import UserRole
from tests.conftest import ARTIFACTS
from tests.helpers import PASSWORD, a_dossier, a_task, a_user, an_office, email_of
from tests.monitor.test_statistics import seed_history

pytestmark = pytest.mark.e2e  # a real browser, though no Prefect server

SHOTS = ARTIFACTS / "monitor" / "screens"
WIDTHS = (390, 1366)
SERIOUS = {"serious", "critical"}
RIGHTS = "exact_online.dossier_rights_missing"


@pytest.fixture
def served_monitor(store_url: str) -> Iterator[str]:
    """The monitor on a free port of 127.0.0.1, over the test store."""
    config = MonitorConfig(session_key=SecretStr("screens-test-" * 4),
                           prefect_ui_url="http://127.0.0.1:4200")
    with SandboxServer(create_app(config)) as server:
        yield server.url


def a_dossier_with_work(language: str) -> tuple[int, int, int, str]:
    """An office user's dossier with an orange task, a red one and a done one; its office's
    name is one long word, as real data has them (addresses, references)."""
    office = an_office(f"Kantoor-Scherm-{language}-" + "x" * 60, language)
    name = f"Schermen {language} BV"
    dossier = a_dossier(office, name, 0, "b")
    orange = a_task(dossier, Responsibility.EMPLOYEE, RIGHTS, {"dossier": name})
    a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"error": "boom"})
    a_task(dossier, None)
    user = a_user(UserRole.OFFICE, office, language=language)
    return dossier, orange, office, email_of(user)


def log_in(page: Page, url: str, email: str, landing: str = "/clients") -> None:
    page.goto(f"{url}/login")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('button[type="submit"]').click()
    page.wait_for_url(f"{url}{landing}")


def inside(page: Page, selector: str, width: int) -> bool:
    """Whether the element lies within the viewport's width (no sideways scroll needed)."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] >= 0 and box["x"] + box["width"] <= width


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} at {[node['target'] for node in v['nodes']]}"
            for v in results.response["violations"] if v.get("impact") in SERIOUS]


@pytest.mark.parametrize("language", ["nl", "fr"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_instruction_and_the_restart_are_in_view_and_the_pages_pass_axe(
        served_monitor: str, browser: Browser, width: int, language: str) -> None:
    dossier, orange, _, email = a_dossier_with_work(language)
    page = browser.new_page(viewport={"width": width, "height": 800})
    log_in(page, served_monitor, email)
    SHOTS.mkdir(parents=True, exist_ok=True)

    problems: dict[str, list[str]] = {}
    for name, path in (("clients", "/clients"), ("follow-up", f"/dossiers/{dossier}"),
                       ("tasks", "/tasks"), ("support", "/support")):
        page.goto(f"{served_monitor}{path}")
        page.screenshot(path=str(SHOTS / f"{language}-{width}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        problems[name] = serious_violations(page)

    page.goto(f"{served_monitor}/dossiers/{dossier}")
    restart = page.locator(f"#task-{orange} button.restart")
    expect(restart).to_be_visible()
    expect(restart.locator(".label")).to_be_visible()  # the icon has words beside it
    assert inside(page, f"#task-{orange} button.restart", width)
    assert inside(page, f"#task-{orange} td.instruction", width)
    restart.focus()
    expect(restart).to_be_focused()  # a native button: reachable with the keyboard
    assert problems == {name: [] for name in problems}, problems


def test_the_favicon_is_served(served_monitor: str, browser: Browser) -> None:
    page = browser.new_page()
    answer = page.request.get(f"{served_monitor}/favicon.ico")
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg")


@pytest.mark.parametrize("width", WIDTHS)
def test_supports_queue_keeps_take_note_and_restart_in_view(
        served_monitor: str, browser: Browser, width: int) -> None:
    _, _, _, _ = a_dossier_with_work("en")
    sam = email_of(a_user(UserRole.SUPPORT, None, language="fr"))
    page = browser.new_page(viewport={"width": width, "height": 800})
    log_in(page, served_monitor, sam, landing="/support")
    page.screenshot(path=str(SHOTS / f"support-fr-{width}-queue.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    first = page.locator("tr.task.support").first
    for control in ("button.restart", "td.instruction"):
        box = first.locator(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, control
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_statistics_page_reads_on_a_phone_and_a_wide_screen(
        served_monitor: str, browser: Browser, width: int) -> None:
    office, _ = seed_history(f"Statistiek Scherm {width}", "exact_online")
    seed_history(f"Statistiek Ander {width}", "winbooks")
    for who, landing, name in ((a_user(UserRole.SUPPORT, None), "/support", "support"),
                               (a_user(UserRole.OFFICE, office), "/clients", "office")):
        page = browser.new_page(viewport={"width": width, "height": 800})
        log_in(page, served_monitor, email_of(who), landing=landing)
        page.goto(f"{served_monitor}/statistics")
        page.screenshot(path=str(SHOTS / f"statistics-{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        expect(page.locator("table.stats svg").first).to_be_visible()
        assert serious_violations(page) == []
