"""A monitor app over the session's store, reached over https as a browser would."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from doorstroom.monitor.app import create_app
from doorstroom.monitor.config import MonitorConfig
from tests.helpers import PASSWORD

PREFECT_UI = "http://127.0.0.1:4200"


@pytest.fixture
def monitor(store_url: str) -> Iterator[TestClient]:
    """A client of a fresh monitor app with secure cookies (so: https)."""
    app = create_app(MonitorConfig(session_key=SecretStr("test-key-" * 6),
                                   prefect_ui_url=PREFECT_UI))
    with TestClient(app, base_url="https://monitor.test", follow_redirects=False) as client:
        yield client


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
