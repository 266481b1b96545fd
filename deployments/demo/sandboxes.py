"""The demo's sandboxes: one per package, on consecutive ports of 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.adsolut.sandbox import AdsolutSandboxState
from connectors.adsolut.sandbox import create_app as adsolut_app
from connectors.agent.sandbox import AgentSandboxState
from connectors.agent.sandbox import create_app as agent_app
from connectors.exact_online.sandbox import ExactSandboxState
from connectors.exact_online.sandbox import create_app as exact_app
from connectors.sandbox_server import SandboxServer
from connectors.winbooks.sandbox import WinBooksSandboxState
from connectors.winbooks.sandbox import create_app as winbooks_app


@dataclass
class DemoSandboxes:
    """Every package's sandbox state and where it listens."""

    exact: ExactSandboxState = field(default_factory=lambda: ExactSandboxState(
        minutely_limit=600))
    winbooks: WinBooksSandboxState = field(default_factory=WinBooksSandboxState)
    wings: AgentSandboxState = field(default_factory=lambda: AgentSandboxState("Wings"))
    expert_m: AgentSandboxState = field(default_factory=lambda: AgentSandboxState("Expert/M"))
    adsolut: AdsolutSandboxState = field(default_factory=AdsolutSandboxState)
    servers: dict[str, SandboxServer] = field(default_factory=dict)

    def start(self, first_port: int) -> DemoSandboxes:
        """Serve every sandbox, from ``first_port`` upwards."""
        apps: list[tuple[str, Any]] = [
            ("exact_online", exact_app(self.exact)), ("winbooks", winbooks_app(self.winbooks)),
            ("wings", agent_app(self.wings)), ("expert_m", agent_app(self.expert_m)),
            ("adsolut", adsolut_app(self.adsolut)),
        ]
        for offset, (package, app) in enumerate(apps):
            self.servers[package] = SandboxServer(app, port=first_port + offset).start()
        return self

    def url(self, package: str) -> str:
        """Where a package's sandbox listens."""
        return self.servers[package].url

    def stop(self) -> None:
        """Stop every sandbox."""
        for server in self.servers.values():
            server.stop()
