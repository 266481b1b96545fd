"""Helpers for the monitor's pages: CSRF tokens, log-in, same-site POSTs; a real browser."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from tests.helpers import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's chromium (installed by the test setup; Playwright downloads nothing).

    Requested after the block fixtures: while Playwright's loop runs, Prefect's dual
    sync/async methods (``Block.save``) would answer with a coroutine.
    """
    assert Path(CHROMIUM).exists(), "chromium is missing: scripts/test.sh installs it with apt"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its forms."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> int:
    """Log in through the form; returns the status code of the answer."""
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"email": email, "password": password, "csrf": token,
                                         "next": "/clients"})
    return answer.status_code


def post(client: TestClient, url: str, page: str = "/clients", **data: str) -> int:
    """A same-site form POST with the token of ``page``."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf": token, **data}).status_code
