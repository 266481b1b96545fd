"""Helpers for the monitor's pages: CSRF tokens, log-in, same-site POSTs."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import PASSWORD


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
