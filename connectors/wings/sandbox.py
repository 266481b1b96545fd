"""A local Doorstroom agent in front of an emulated Wings database."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.agent.sandbox import AgentSandbox


class WingsSandbox(AgentSandbox):
    """Wings dossiers behind the office's agent; blocked = its database version is outdated."""

    package: ClassVar[str] = "Wings"
    blocked: ClassVar[dict[str, Any]] = {"version": 1}
    fixed: ClassVar[dict[str, Any]] = {"version": 2}
