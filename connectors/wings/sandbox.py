"""A local Doorstroom agent in front of an emulated Wings database."""

from __future__ import annotations

from connectors.agent.sandbox import AgentSandboxState, create_app
from connectors.sandbox_faults import FaultInjector


def wings_state(office_token: str = "office-token") -> AgentSandboxState:
    """An agent fronting Wings."""
    return AgentSandboxState("Wings", office_token)


def create_wings_app(state: AgentSandboxState) -> FaultInjector:
    """The sandbox app."""
    return create_app(state)
