"""Running sandboxes as tests see them: the package's sandbox, its URL, a connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prefect.blocks.core import Block

from blocks.exact_online import ExactOnlineConnection
from connectors.exact_online.sandbox import ExactOnlineSandbox
from connectors.registry import PACKAGES
from connectors.sandbox_kit import Sandbox
from connectors.sandbox_server import SandboxServer


@dataclass
class Running:
    """A package's sandbox served on 127.0.0.1: its state (to play the employee) and URL."""

    sandbox: Sandbox
    url: str

    @property
    def state(self) -> Any:
        """The sandbox's state."""
        return self.sandbox.state

    @property
    def package(self) -> str:
        """The registry's key of the package this sandbox emulates."""
        return next(key for key, package in PACKAGES.items()
                    if type(self.sandbox) is package.sandbox)

    def connection(self) -> Block:
        """A connection block for this sandbox, with fresh credentials."""
        return self.sandbox.connection(self.url)


@dataclass
class RunningExact(Running):
    """An Exact Online sandbox; its connections go through Prefect rate limits by default."""

    sandbox: ExactOnlineSandbox

    def connection(self, rate_limited: bool = True) -> ExactOnlineConnection:
        """A connection with a fresh refresh token from this sandbox.

        The sandbox allows far more calls than Exact's 60 a minute, and so do these limits
        (still Prefect rate limits, so every call goes through them); ``rate_limited=False``
        for tests without a Prefect server. ``bench/rate_limit.py`` runs at Exact's limits.
        """
        limits = ({"calls_per_minute": 6000, "calls_per_day": 1_000_000} if rate_limited
                  else {"calls_per_minute": 0, "calls_per_day": 0})
        connection = self.sandbox.connection(self.url)
        return connection.model_copy(update=limits)


@contextmanager
def running(sandbox: Sandbox) -> Iterator[Running]:
    """Serve ``sandbox`` on a free port for the duration of a test."""
    with SandboxServer(sandbox.app()) as server:
        if isinstance(sandbox, ExactOnlineSandbox):
            yield RunningExact(sandbox, server.url)
        else:
            yield Running(sandbox, server.url)
