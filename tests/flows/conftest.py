"""Fixtures for flow tests: a connection block saved on the session's Prefect server."""

from __future__ import annotations

import pytest

from tests.sandboxes import AdsolutSandbox, AgentSandbox, ExactSandbox, WinBooksSandbox


@pytest.fixture
def exact_block(prefect_stack: object, exact_sandbox: ExactSandbox,
                request: pytest.FixtureRequest) -> str:
    """A saved connection block for this test's sandbox; returns its name."""
    name = "exact-" + request.node.name.lower().replace("_", "-")[:40]
    exact_sandbox.connection().save(name, overwrite=True)
    return name


@pytest.fixture
def winbooks_block(prefect_stack: object, winbooks_sandbox: WinBooksSandbox,
                   request: pytest.FixtureRequest) -> str:
    """A saved WinBooks connection block for this test's sandbox; returns its name."""
    name = "winbooks-" + request.node.name.lower().replace("_", "-")[:40]
    winbooks_sandbox.connection().save(name, overwrite=True)
    return name


@pytest.fixture
def agent_block(prefect_stack: object, agent_sandbox: AgentSandbox,
                request: pytest.FixtureRequest) -> str:
    """A saved agent connection block for this test's agent; returns its name."""
    name = "agent-" + request.node.name.lower().replace("_", "-").replace("/", "")[:40]
    name = "".join(ch for ch in name if ch.isalnum() or ch == "-")
    agent_sandbox.connection().save(name, overwrite=True)
    return name


@pytest.fixture
def adsolut_block(prefect_stack: object, adsolut_sandbox: AdsolutSandbox,
                  request: pytest.FixtureRequest) -> str:
    """A saved Adsolut connection block for this test's sandbox; returns its name."""
    name = "adsolut-" + request.node.name.lower().replace("_", "-")[:40]
    adsolut_sandbox.connection().save(name, overwrite=True)
    return name
