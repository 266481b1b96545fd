"""How the contract suite drives each package's sandbox: one small harness per package.

A new package registers a harness factory here; the contract suite refuses to pass without.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from blocks.adsolut import AdsolutConnection
from blocks.agent import OnPremiseAgentConnection
from connectors.adsolut.connector import AdsolutConnector
from connectors.adsolut.sandbox import AdsolutSandboxState
from connectors.adsolut.sandbox import create_app as adsolut_app
from connectors.agent.connector import AgentConnector
from connectors.agent.sandbox import AgentSandboxState
from connectors.agent.sandbox import create_app as agent_app
from connectors.base import Connector, DossierRef
from connectors.exact_online.connector import ExactOnlineConnector
from connectors.exact_online.sandbox import ExactSandboxState
from connectors.exact_online.sandbox import create_app as exact_app
from connectors.expert_m.connector import ExpertMConnector
from connectors.expert_m.sandbox import expert_m_state
from connectors.sandbox_faults import Fault
from connectors.sandbox_server import SandboxServer, free_port
from connectors.winbooks.connector import WinBooksConnector
from connectors.winbooks.sandbox import WinBooksSandboxState
from connectors.winbooks.sandbox import create_app as winbooks_app
from connectors.wings.connector import WingsConnector
from connectors.wings.sandbox import wings_state
from tests.sandboxes import ExactSandbox, WinBooksSandbox

_numbers = itertools.count(50_000)


@dataclass
class Harness:
    """One administration in a running sandbox, and the hands to play with it."""

    connector: Connector
    bookings: Callable[[], list[str]]
    close_period: Callable[[int, int], None]
    unblock: Callable[[], None]  # the employee's fix for a dossier made with blocked=True
    add_fault: Callable[[Fault], None]
    booking_call: dict[str, str]  # Fault fields matching the request that creates a booking
    reject_credentials: Callable[[], None]  # the package stops accepting our credentials
    offline: Callable[[], Connector]  # a connector for this administration, nothing listening


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def _forget(*pools: set[str] | dict[str, object]) -> None:
    for pool in pools:
        pool.clear()


MakeHarness = Callable[..., Harness]


@contextmanager
def exact_online() -> Iterator[MakeHarness]:
    """Fresh divisions in one running Exact Online sandbox."""
    state = ExactSandboxState()
    with SandboxServer(exact_app(state)) as server:
        sandbox = ExactSandbox(state, server.url)

        def make(blocked: bool = False) -> Harness:
            code = next(_numbers)
            state.add_division(code, f"Contract {code}", rights=not blocked)
            return Harness(
                connector=ExactOnlineConnector(sandbox.connection(rate_limited=False),
                                               DossierRef(code, f"Contract {code}", str(code))),
                bookings=lambda: [e["EntryID"] for e in state.entries(code)],
                close_period=lambda y, m: state.set_period_closed(code, y, m, True),
                unblock=lambda: state.set_rights(code, True),
                add_fault=state.add_fault,
                booking_call={"method": "POST", "path_contains": "Entries"},
                reject_credentials=lambda: _forget(state.refresh_tokens, state.access_tokens),
                offline=lambda: ExactOnlineConnector(
                    sandbox.connection(rate_limited=False).model_copy(
                        update={"base_url": dead_url()}),
                    DossierRef(code, f"Contract {code}", str(code))),
            )

        yield make


@contextmanager
def winbooks() -> Iterator[MakeHarness]:
    """Fresh folders in one running WinBooks on Web sandbox."""
    state = WinBooksSandboxState()
    with SandboxServer(winbooks_app(state)) as server:
        sandbox = WinBooksSandbox(state, server.url)

        def make(blocked: bool = False) -> Harness:
            code = f"F{next(_numbers)}"
            state.add_folder(code, f"Contract {code}", rights=not blocked)
            return Harness(
                connector=WinBooksConnector(sandbox.connection(),
                                            DossierRef(1, f"Contract {code}", code)),
                bookings=lambda: [t["Code"] for t in state.transactions(code)],
                close_period=lambda y, m: state.set_period_closed(code, y, m, True),
                unblock=lambda: state.set_rights(code, True),
                add_fault=state.add_fault,
                booking_call={"method": "POST", "path_contains": "GLTransHeader"},
                reject_credentials=lambda: _forget(state.exchange_tokens, state.refresh_tokens,
                                                   state.access_tokens),
                offline=lambda: WinBooksConnector(
                    sandbox.connection().model_copy(update={"base_url": dead_url()}),
                    DossierRef(1, f"Contract {code}", code)),
            )

        yield make


def _agent(state: AgentSandboxState, connector_class: type[AgentConnector],
           blocked_state: dict[str, object],
           fixed_state: dict[str, object]) -> Iterator[MakeHarness]:
    with SandboxServer(agent_app(state)) as server:
        connection = OnPremiseAgentConnection(base_url=server.url,
                                              office_token=SecretStr(state.office_token))

        def make(blocked: bool = False) -> Harness:
            code = f"D{next(_numbers)}"
            state.add_dossier(code, f"Contract {code}", **(blocked_state if blocked else {}))
            return Harness(
                connector=connector_class(connection, DossierRef(1, f"Contract {code}", code)),
                bookings=lambda: [b["booking_id"] for b in state.bookings(code)],
                close_period=lambda y, m: state.dossiers[code].closed_periods.add(f"{y}{m:02d}"),
                unblock=lambda: state.update(code, **fixed_state),
                add_fault=state.add_fault,
                booking_call={"method": "POST", "path_contains": "/bookings"},
                reject_credentials=lambda: setattr(state, "office_token", "rotated"),
                offline=lambda: connector_class(
                    connection.model_copy(update={"base_url": dead_url()}),
                    DossierRef(1, f"Contract {code}", code)),
            )

        yield make


@contextmanager
def wings() -> Iterator[MakeHarness]:
    """Fresh dossiers behind one running Wings agent; blocked = database outdated."""
    yield from _agent(wings_state(), WingsConnector, {"version": 1}, {"version": 2})


@contextmanager
def expert_m() -> Iterator[MakeHarness]:
    """Fresh dossiers behind one running Expert/M agent; blocked = database absent (backup)."""
    yield from _agent(expert_m_state(), ExpertMConnector,
                      {"database_present": False}, {"database_present": True})


@contextmanager
def adsolut() -> Iterator[MakeHarness]:
    """Fresh databases behind one running ExchangeService; blocked = user without access."""
    state = AdsolutSandboxState()
    with SandboxServer(adsolut_app(state)) as server:
        connection = AdsolutConnection(service_url=f"{server.url}/ExchangeService.asmx",
                                       user_name=state.user_name,
                                       password=SecretStr(state.password))

        def make(blocked: bool = False) -> Harness:
            name = f"DB{next(_numbers)}"
            state.add_database(name, user_allowed=not blocked)
            return Harness(
                connector=AdsolutConnector(connection, DossierRef(1, f"Contract {name}", name)),
                bookings=lambda: [b["id"] for b in state.bookings(name)],
                close_period=lambda y, m: state.set_period_open(name, f"{y}{m:02d}", False),
                unblock=lambda: state.allow_user(name),
                add_fault=state.add_fault,
                booking_call={"soap_action": "ImportDivBookings"},
                reject_credentials=lambda: setattr(state, "password", "changed"),
                offline=lambda: AdsolutConnector(
                    connection.model_copy(update={"service_url": dead_url()}),
                    DossierRef(1, f"Contract {name}", name)),
            )

        yield make


HARNESSES: dict[str, Callable[[], AbstractContextManager[MakeHarness]]] = {
    "exact_online": exact_online,
    "winbooks": winbooks,
    "wings": wings,
    "expert_m": expert_m,
    "adsolut": adsolut,
}
