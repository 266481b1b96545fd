"""Finding 1 of the security review: the Prefect API handed every secret to anyone.

The attack went: read the monitor's session-signing key from Prefect's block API, sign a
session cookie for a support user, open ``/support``. It must fail at its first step.
"""

from __future__ import annotations

import os
import stat

import httpx
import pytest

from deployments.local_stack import Stack
from deployments.prefect_auth import FILE, basic_auth_header
from tests.conftest import RUN_DIR

pytestmark = pytest.mark.e2e


def test_the_prefect_api_refuses_whoever_lacks_the_auth_string(prefect_stack: Stack) -> None:
    api = prefect_stack.env["PREFECT_API_URL"]
    secrets = {"include_secrets": True}

    stranger = httpx.post(f"{api}/block_documents/filter", json=secrets, timeout=10)
    guessed = httpx.post(f"{api}/block_documents/filter", json=secrets, timeout=10,
                         headers=basic_auth_header("operator:guess"))
    operator = httpx.post(f"{api}/block_documents/filter", json=secrets, timeout=10,
                          headers=basic_auth_header(prefect_stack.env["PREFECT_API_AUTH_STRING"]))

    assert stranger.status_code == guessed.status_code == 401
    assert "session-key" not in stranger.text + guessed.text
    assert operator.status_code == 200
    assert httpx.get(f"{api}/health", timeout=10).status_code == 200  # probes stay open


def test_the_auth_string_is_kept_for_its_owner_only(prefect_stack: Stack) -> None:
    mode = stat.S_IMODE(os.stat(RUN_DIR / FILE).st_mode)
    assert mode == 0o600
    kept = (RUN_DIR / FILE).read_text().strip()
    assert prefect_stack.env["PREFECT_SERVER_API_AUTH_STRING"] == kept
