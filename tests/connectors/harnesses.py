"""How the contract suite drives each package's sandbox: one small harness per package.

A new package registers a harness here; the contract suite refuses to pass without one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from doorstroom.connectors.base import Connector, DossierRef
from doorstroom.connectors.exact_online.tasks import ExactOnlineConnector
from doorstroom.connectors.sandbox_faults import Fault
from tests.sandboxes import ExactSandbox

_codes = itertools.count(50_000)


@dataclass
class Harness:
    """One administration in a running sandbox, and the hands to play with it."""

    connector: Connector
    bookings: Callable[[], list[str]]
    close_period: Callable[[int, int], None]
    grant_rights: Callable[[], None]
    add_fault: Callable[[Fault], None]
    booking_path: str  # a fragment of the path of the request that creates a booking


def exact_online(sandbox: ExactSandbox, *, rights: bool = True) -> Harness:
    """A fresh division in the Exact Online sandbox."""
    code = next(_codes)
    state = sandbox.state
    state.add_division(code, f"Contract {code}", rights=rights)
    return Harness(
        connector=ExactOnlineConnector(sandbox.connection(),
                                       DossierRef(code, f"Contract {code}", str(code))),
        bookings=lambda: [e["EntryID"] for e in state.entries(code)],
        close_period=lambda year, month: state.set_period_closed(code, year, month, True),
        grant_rights=lambda: state.set_rights(code, True),
        add_fault=state.add_fault,
        booking_path="Entries",
    )


HARNESSES: dict[str, Callable[..., Harness]] = {
    "exact_online": exact_online,
}
