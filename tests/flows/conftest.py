"""Fixtures for flow tests: connection blocks saved on the session's Prefect server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandboxes import AdsolutSandbox, AgentSandbox, ExactSandbox, WinBooksSandbox


def saved_block(sandbox: Any, prefix: str, request: pytest.FixtureRequest) -> str:
    """Save ``sandbox.connection()`` under a name derived from the test; return the name."""
    name = f"{prefix}-" + request.node.name.lower().replace("_", "-")[:40]
    name = "".join(ch for ch in name if ch.isalnum() or ch == "-")
    sandbox.connection().save(name, overwrite=True)
    return name


@pytest.fixture
def exact_block(prefect_stack: object, exact_sandbox: ExactSandbox,
                request: pytest.FixtureRequest) -> str:
    """A saved Exact Online connection block for this test's sandbox."""
    return saved_block(exact_sandbox, "exact", request)


@pytest.fixture
def winbooks_block(prefect_stack: object, winbooks_sandbox: WinBooksSandbox,
                   request: pytest.FixtureRequest) -> str:
    """A saved WinBooks connection block for this test's sandbox."""
    return saved_block(winbooks_sandbox, "winbooks", request)


@pytest.fixture
def agent_block(prefect_stack: object, agent_sandbox: AgentSandbox,
                request: pytest.FixtureRequest) -> str:
    """A saved agent connection block for this test's agent."""
    return saved_block(agent_sandbox, "agent", request)


@pytest.fixture
def adsolut_block(prefect_stack: object, adsolut_sandbox: AdsolutSandbox,
                  request: pytest.FixtureRequest) -> str:
    """A saved Adsolut connection block for this test's sandbox."""
    return saved_block(adsolut_sandbox, "adsolut", request)
