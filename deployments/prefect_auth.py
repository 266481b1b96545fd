"""The Prefect server's API auth string of a stack, kept in its folder for the owner only.

Prefect's open-source server has one shared secret (``PREFECT_SERVER_API_AUTH_STRING``);
every client sends it as HTTP basic auth (``PREFECT_API_AUTH_STRING``) and the Prefect UI
asks for it. Without it anyone who reaches the API reads every block with its secrets. The
stack makes one on its first start and keeps it, so a restart keeps operators logged in.

This module imports nothing of Prefect: Prefect reads its settings when it is imported, so
the string must be in the environment before that.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

FILE = "prefect-auth"
USER = "operator"


def auth_string(home: Path) -> str:
    """The stack's auth string (``operator:<random>``), created on first use (mode 0600)."""
    path = home / FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    value = f"{USER}:{secrets.token_urlsafe(24)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(value + "\n")
    return value


def basic_auth_header(value: str) -> dict[str, str]:
    """The header a client that is not Prefect's own sends (health checks, scripts)."""
    return {"Authorization": "Basic " + base64.b64encode(value.encode()).decode()}
