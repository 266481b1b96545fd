"""What every package's sandbox offers besides its protocol: the office employee's hands.

Each package's ``sandbox.py`` has one :class:`Sandbox` subclass: it makes the emulator's
state and ASGI app, a connection block pointed at a running copy, and the few moves the
contract suite, the demo and the tests play — add an administration, close a period, fix a
blocked dossier, revoke our credentials, list the bookings. The descriptor names the class,
so nothing outside the package's folder knows how its sandbox is driven.
"""

from __future__ import annotations

import abc
import threading
from typing import Any, ClassVar

from prefect.blocks.core import Block

from connectors.sandbox_faults import Fault


class SandboxState:
    """Base of every emulator state: thread-safe through ``lock``, and picklable.

    The demo keeps its sandboxes' states on disk (:mod:`connectors.sandbox_persistence`) so
    that bookings made before a restart are still in the package after it, as they would
    be in the real one; the lock is not part of what is kept.
    """

    lock: threading.RLock

    def __getstate__(self) -> dict[str, Any]:
        kept = dict(self.__dict__)
        kept.pop("lock", None)
        return kept

    def __setstate__(self, kept: dict[str, Any]) -> None:
        self.__dict__.update(kept)
        self.lock = threading.RLock()


class Sandbox(abc.ABC):
    """One running-or-not emulator of a package, with its state."""

    booking_call: ClassVar[dict[str, str]]
    """The fields of a :class:`Fault` that match the request creating a booking."""
    administration_prefix: ClassVar[str] = ""
    """How this package's administration ids look (``F`` + number for WinBooks folders)."""

    def __init__(self, state: Any | None = None) -> None:
        self.state = state if state is not None else self.new_state()

    @abc.abstractmethod
    def new_state(self) -> Any:
        """A fresh emulator state: credentials, administrations, bookings, faults."""

    @abc.abstractmethod
    def app(self) -> Any:
        """The ASGI app speaking the package's protocol over this state."""

    @abc.abstractmethod
    def connection(self, url: str) -> Block:
        """A connection block for the sandbox listening at ``url`` (fresh credentials)."""

    @abc.abstractmethod
    def add_administration(self, code: str, name: str, *, blocked: bool = False) -> None:
        """An administration; ``blocked`` = the package's employee-side problem is present."""

    @abc.abstractmethod
    def unblock(self, code: str) -> None:
        """The employee's fix for an administration made with ``blocked=True``."""

    @abc.abstractmethod
    def bookings(self, code: str) -> list[str]:
        """The package's ids of the bookings in an administration."""

    @abc.abstractmethod
    def close_period(self, code: str, year: int, month: int) -> None:
        """Close a book period of an administration."""

    @abc.abstractmethod
    def reject_credentials(self) -> None:
        """The package stops accepting the credentials it handed out."""

    def add_fault(self, fault: Fault) -> None:
        """Queue an injected fault (latency, 429, 5xx, dropped connection, garbage)."""
        self.state.add_fault(fault)
