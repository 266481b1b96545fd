"""Fixtures: an Exact Online sandbox on a free port and a connection block pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from doorstroom.blocks.exact_online import ExactOnlineConnection
from doorstroom.connectors.exact_online.sandbox import ExactSandboxState, create_app
from doorstroom.connectors.sandbox_server import SandboxServer


@dataclass
class ExactSandbox:
    """A running sandbox: its state (to play the employee) and its URL."""

    state: ExactSandboxState
    url: str

    def connection(self) -> ExactOnlineConnection:
        """A connection with a fresh refresh token from this sandbox."""
        return ExactOnlineConnection(
            base_url=self.url, client_id=self.state.client_id,
            client_secret=SecretStr(self.state.client_secret),
            refresh_token=SecretStr(self.state.issue_refresh_token()),
        )


@pytest.fixture
def exact_sandbox() -> Iterator[ExactSandbox]:
    state = ExactSandboxState()
    with SandboxServer(create_app(state)) as server:
        yield ExactSandbox(state, server.url)
