"""Running sandboxes as tests see them: state to play the employee, a URL, a connection."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from blocks.adsolut import AdsolutConnection
from blocks.agent import OnPremiseAgentConnection
from blocks.exact_online import ExactOnlineConnection
from blocks.winbooks import WinBooksConnection
from connectors.adsolut.sandbox import AdsolutSandboxState
from connectors.agent.sandbox import AgentSandboxState
from connectors.exact_online.sandbox import ExactSandboxState
from connectors.winbooks.sandbox import WinBooksSandboxState


@dataclass
class ExactSandbox:
    """A running Exact Online sandbox: its state (to play the employee) and its URL."""

    state: ExactSandboxState
    url: str

    def connection(self, rate_limited: bool = True) -> ExactOnlineConnection:
        """A connection with a fresh refresh token from this sandbox.

        The sandbox allows far more calls than Exact's 60 a minute, and so do these limits
        (still Prefect rate limits, so every call goes through them); ``rate_limited=False``
        for tests without a Prefect server. ``bench/rate_limit.py`` runs at Exact's limits.
        """
        limits = ({"calls_per_minute": 6000, "calls_per_day": 1_000_000} if rate_limited
                  else {"calls_per_minute": 0, "calls_per_day": 0})
        return ExactOnlineConnection(
            base_url=self.url, client_id=self.state.client_id,
            client_secret=SecretStr(self.state.client_secret),
            refresh_token=SecretStr(self.state.issue_refresh_token()), **limits,
        )


@dataclass
class WinBooksSandbox:
    """A running WinBooks on Web sandbox: its state and its URL."""

    state: WinBooksSandboxState
    url: str

    def connection(self) -> WinBooksConnection:
        """A connection with a fresh exchange token from this sandbox."""
        return WinBooksConnection(
            base_url=self.url, email=self.state.email,
            exchange_token=SecretStr(self.state.issue_exchange_token()),
        )


@dataclass
class AgentSandbox:
    """A running on-premise agent sandbox (Wings or Expert/M)."""

    state: AgentSandboxState
    url: str

    @property
    def package(self) -> str:
        """The connector's package name for this agent."""
        return {"Wings": "wings", "Expert/M": "expert_m"}[self.state.package]

    def connection(self) -> OnPremiseAgentConnection:
        """A connection to this agent with the office's token."""
        return OnPremiseAgentConnection(base_url=self.url,
                                        office_token=SecretStr(self.state.office_token))


@dataclass
class AdsolutSandbox:
    """A running Adsolut ExchangeService sandbox."""

    state: AdsolutSandboxState
    url: str

    def connection(self) -> AdsolutConnection:
        """A connection with the sandbox's user."""
        return AdsolutConnection(service_url=f"{self.url}/ExchangeService.asmx",
                                 user_name=self.state.user_name,
                                 password=SecretStr(self.state.password))
