"""How the contract suite drives each package's sandbox: one small harness per package.

A new package registers a harness factory here; the contract suite refuses to pass without.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from doorstroom.connectors.base import Connector, DossierRef
from doorstroom.connectors.exact_online.sandbox import ExactSandboxState
from doorstroom.connectors.exact_online.sandbox import create_app as exact_app
from doorstroom.connectors.exact_online.tasks import ExactOnlineConnector
from doorstroom.connectors.sandbox_faults import Fault
from doorstroom.connectors.sandbox_server import SandboxServer
from doorstroom.connectors.winbooks.sandbox import WinBooksSandboxState
from doorstroom.connectors.winbooks.sandbox import create_app as winbooks_app
from doorstroom.connectors.winbooks.tasks import WinBooksConnector
from tests.sandboxes import ExactSandbox, WinBooksSandbox

_numbers = itertools.count(50_000)


@dataclass
class Harness:
    """One administration in a running sandbox, and the hands to play with it."""

    connector: Connector
    bookings: Callable[[], list[str]]
    close_period: Callable[[int, int], None]
    grant_rights: Callable[[], None]
    add_fault: Callable[[Fault], None]
    booking_path: str  # a fragment of the path of the request that creates a booking


MakeHarness = Callable[..., Harness]


@contextmanager
def exact_online() -> Iterator[MakeHarness]:
    """Fresh divisions in one running Exact Online sandbox."""
    state = ExactSandboxState()
    with SandboxServer(exact_app(state)) as server:
        sandbox = ExactSandbox(state, server.url)

        def make(rights: bool = True) -> Harness:
            code = next(_numbers)
            state.add_division(code, f"Contract {code}", rights=rights)
            return Harness(
                connector=ExactOnlineConnector(sandbox.connection(),
                                               DossierRef(code, f"Contract {code}", str(code))),
                bookings=lambda: [e["EntryID"] for e in state.entries(code)],
                close_period=lambda y, m: state.set_period_closed(code, y, m, True),
                grant_rights=lambda: state.set_rights(code, True),
                add_fault=state.add_fault,
                booking_path="Entries",
            )

        yield make


@contextmanager
def winbooks() -> Iterator[MakeHarness]:
    """Fresh folders in one running WinBooks on Web sandbox."""
    state = WinBooksSandboxState()
    with SandboxServer(winbooks_app(state)) as server:
        sandbox = WinBooksSandbox(state, server.url)

        def make(rights: bool = True) -> Harness:
            code = f"F{next(_numbers)}"
            state.add_folder(code, f"Contract {code}", rights=rights)
            return Harness(
                connector=WinBooksConnector(sandbox.connection(),
                                            DossierRef(1, f"Contract {code}", code)),
                bookings=lambda: [t["Code"] for t in state.transactions(code)],
                close_period=lambda y, m: state.set_period_closed(code, y, m, True),
                grant_rights=lambda: state.set_rights(code, True),
                add_fault=state.add_fault,
                booking_path="GLTransHeader",
            )

        yield make


HARNESSES: dict[str, Callable[[], AbstractContextManager[MakeHarness]]] = {
    "exact_online": exact_online,
    "winbooks": winbooks,
}
