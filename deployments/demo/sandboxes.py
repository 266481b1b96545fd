"""The demo's sandboxes: one per registered package, on consecutive ports of 127.0.0.1.

With a ``folder`` each sandbox keeps its state there (:mod:`connectors.sandbox_persistence`)
and a later start picks it up: the packages remember their books as the store does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.adsolut.sandbox import AdsolutSandboxState
from connectors.agent.sandbox import AgentSandboxState
from connectors.exact_online.sandbox import ExactOnlineSandbox, ExactSandboxState
from connectors.registry import PACKAGES
from connectors.sandbox_kit import Sandbox
from connectors.sandbox_persistence import DurableApp, load
from connectors.sandbox_server import SandboxServer
from connectors.winbooks.sandbox import WinBooksSandboxState


def _sandboxes() -> dict[str, Sandbox]:
    made = {key: package.sandbox() for key, package in PACKAGES.items()}
    # Exact's real limits on the connection (Prefect rate limits), a sandbox that allows
    # ten times as many: the demo shows the limits at work without ever being refused.
    made["exact_online"] = ExactOnlineSandbox(ExactSandboxState(minutely_limit=600),
                                              calls_per_minute=60, calls_per_day=5000)
    return made


@dataclass
class DemoSandboxes:
    """Every package's sandbox and where it listens; kept in ``folder`` if one is given."""

    folder: Path | None = None
    sandboxes: dict[str, Sandbox] = field(default_factory=_sandboxes)
    servers: dict[str, SandboxServer] = field(default_factory=dict)
    durable: dict[str, DurableApp] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.folder is None:
            return
        for package in self.sandboxes:
            kept = load(self._file(package))
            if kept is not None:
                self.sandboxes[package] = kept

    def _file(self, package: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{package}.pickle"

    def start(self, first_port: int) -> DemoSandboxes:
        """Serve every sandbox, from ``first_port`` upwards."""
        for offset, (package, sandbox) in enumerate(self.sandboxes.items()):
            app = sandbox.app()
            if self.folder is not None:
                app = self.durable[package] = DurableApp(app, sandbox, self._file(package))
            self.servers[package] = SandboxServer(app, port=first_port + offset).start()
        return self

    def save(self) -> None:
        """Keep what was changed directly, not through a request (the demo's seeding)."""
        for durable in self.durable.values():
            durable.save()

    def url(self, package: str) -> str:
        """Where a package's sandbox listens."""
        return self.servers[package].url

    def save_connections(self, block_names: dict[str, str]) -> None:
        """One connection block per package, pointing at its sandbox."""
        for package, sandbox in self.sandboxes.items():
            sandbox.connection(self.url(package)).save(block_names[package], overwrite=True)

    def _state(self, package: str) -> Any:
        return self.sandboxes[package].state

    @property
    def exact(self) -> ExactSandboxState:
        """Exact Online's state, to set up the demo's cases."""
        state: ExactSandboxState = self._state("exact_online")
        return state

    @property
    def winbooks(self) -> WinBooksSandboxState:
        """WinBooks on Web's state."""
        state: WinBooksSandboxState = self._state("winbooks")
        return state

    @property
    def wings(self) -> AgentSandboxState:
        """The Wings agent's state."""
        state: AgentSandboxState = self._state("wings")
        return state

    @property
    def expert_m(self) -> AgentSandboxState:
        """The Expert/M agent's state."""
        state: AgentSandboxState = self._state("expert_m")
        return state

    @property
    def adsolut(self) -> AdsolutSandboxState:
        """Adsolut's state."""
        state: AdsolutSandboxState = self._state("adsolut")
        return state

    def stop(self) -> None:
        """Stop every sandbox."""
        for server in self.servers.values():
            server.stop()
