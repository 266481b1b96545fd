"""A local Doorstroom agent in front of an emulated Expert/M database."""

from __future__ import annotations

from connectors.agent.sandbox import AgentSandboxState, create_app
from connectors.sandbox_faults import FaultInjector


def expert_m_state(office_token: str = "office-token") -> AgentSandboxState:
    """An agent fronting Expert/M."""
    return AgentSandboxState("Expert/M", office_token)


def create_expert_m_app(state: AgentSandboxState) -> FaultInjector:
    """The sandbox app."""
    return create_app(state)
