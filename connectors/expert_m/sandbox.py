"""A local Doorstroom agent in front of an emulated Expert/M database."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.agent.sandbox import AgentSandbox


class ExpertMSandbox(AgentSandbox):
    """Expert/M dossiers behind the agent; blocked = the database is absent (a backup exists)."""

    package: ClassVar[str] = "Expert/M"
    blocked: ClassVar[dict[str, Any]] = {"database_present": False}
    fixed: ClassVar[dict[str, Any]] = {"database_present": True}
