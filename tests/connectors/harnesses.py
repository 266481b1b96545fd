"""How the contract suite drives each package's sandbox, derived from its descriptor.

Every registered package's sandbox (``connectors/<package>/sandbox.py``) offers the same
hands — add an administration, close a period, unblock, revoke our credentials — so one
harness serves them all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from connectors.base import Connector, DossierRef
from connectors.descriptor import PackageDescriptor
from connectors.sandbox_faults import Fault
from connectors.sandbox_kit import Sandbox
from connectors.sandbox_server import SandboxServer, free_port

_numbers = itertools.count(50_000)


@dataclass
class Harness:
    """One administration in a running sandbox, and the hands to play with it."""

    connector: Connector
    sandbox: Sandbox
    code: str
    package: PackageDescriptor

    def bookings(self) -> list[str]:
        """The package's ids of this administration's bookings."""
        return self.sandbox.bookings(self.code)

    def close_period(self, year: int, month: int) -> None:
        """Close a book period of this administration."""
        self.sandbox.close_period(self.code, year, month)

    def unblock(self) -> None:
        """The employee's fix for an administration made blocked."""
        self.sandbox.unblock(self.code)

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault in the sandbox."""
        self.sandbox.add_fault(fault)

    @property
    def booking_call(self) -> dict[str, str]:
        """Fault fields matching the request that creates a booking."""
        return self.sandbox.booking_call

    def reject_credentials(self) -> None:
        """The package stops accepting our credentials."""
        self.sandbox.reject_credentials()

    def offline(self) -> Connector:
        """A connector for this administration with nothing listening at its address."""
        return self.package.connector(self.sandbox.connection(dead_url()),
                                      DossierRef(1, f"Contract {self.code}", self.code))


MakeHarness = Callable[..., Harness]


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def harnesses(package: PackageDescriptor) -> Iterator[MakeHarness]:
    """Fresh administrations in one running sandbox of ``package``."""
    sandbox = package.sandbox()
    with SandboxServer(sandbox.app()) as server:

        def make(blocked: bool = False) -> Harness:
            code = f"{sandbox.administration_prefix}{next(_numbers)}"
            name = f"Contract {code}"
            sandbox.add_administration(code, name, blocked=blocked)
            connector = package.connector(sandbox.connection(server.url), DossierRef(1, name, code))
            return Harness(connector, sandbox, code, package)

        yield make
