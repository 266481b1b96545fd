"""Expert/M is reached through the agent protocol; its client is the agent client."""

from connectors.agent.client import AgentClient as ExpertMClient

__all__ = ["ExpertMClient"]
