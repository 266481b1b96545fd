"""Wings is reached through the agent protocol; its client is the agent client."""

from connectors.agent.client import AgentClient as WingsClient

__all__ = ["WingsClient"]
