"""What Doorstroom knows of one accounting package, declared in one place.

Each package's sub-package has a ``descriptor.py`` with one :class:`PackageDescriptor`; the
registry lists them, and everything that is per package — opening a connector with its
block, the Prefect tasks of each kind of sync task, the probes of auto-recheck, call limits,
the block types to register, the demo's sandboxes, the contract suite and the test
fixtures — is derived from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prefect import Task
from prefect.blocks.core import Block
from prefect.states import State

from connectors.base import Connector, DossierRef
from connectors.rate_limits import RateLimit
from connectors.sandbox_kit import Sandbox
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures import codes as c
from doorstroom.store.models import TaskKind

SyncTaskRun = Task[[int, Any, str], State]
"""A package's Prefect task: (sync task id, connector, language) → named end state."""


def no_limits(_connection: Any) -> Sequence[RateLimit]:
    """For packages that publish no call limits."""
    return ()


@dataclass(frozen=True)
class PackageTasks:
    """A package's Prefect tasks, one per kind of sync task (see its ``tasks.py``)."""

    link_dossier: SyncTaskRun
    post_booking: SyncTaskRun
    delete_booking: SyncTaskRun
    refresh_master_data: SyncTaskRun

    def for_kind(self, kind: TaskKind) -> SyncTaskRun:
        """The task that runs a sync task of ``kind``."""
        by_kind: Mapping[TaskKind, SyncTaskRun] = {
            TaskKind.CREATE_DOSSIER: self.link_dossier,
            TaskKind.POST_BOOKING: self.post_booking,
            TaskKind.DELETE_BOOKING: self.delete_booking,
            TaskKind.REFRESH_MASTER_DATA: self.refresh_master_data,
        }
        return by_kind[kind]


@dataclass(frozen=True)
class PackageDescriptor:
    """One accounting package: its connector, block, tasks, sandbox and operating limits."""

    package: str
    """The key stored on dossiers (``exact_online``); also the catalogue's ``package.<key>``."""
    connector: type[Connector]
    connection: type[Block]
    """The Prefect block type that holds a connection's settings and secrets."""
    tasks: PackageTasks
    sandbox: type[Sandbox]
    """The package's emulator on 127.0.0.1, with the hands to play the office employee."""
    probed: frozenset[str] = frozenset()
    """Employee failure codes whose cause a read-only look can see gone (auto-recheck)."""
    probe_errors_per_hour: int | None = None
    """At most this many probes per dossier per hour may find the cause still there (each is
    an error answer at the package); ``None``: only the back-off limits them."""
    call_limits: Callable[[Any], Sequence[RateLimit]] = field(default=no_limits)
    """The package's published call limits, from a loaded connection."""
    restarts_per_minute: int = 120
    """After an outage, the runs it failed are restarted at most this fast (each run then
    keeps to the per-administration limits above): the package is not flooded the moment
    it answers again."""

    @property
    def display_name(self) -> str:
        """The name people know the package by."""
        return self.connector.display_name

    @property
    def slug(self) -> str:
        """The package in Prefect names: ``exact-online.post-booking``."""
        return self.package.replace("_", "-")

    def open(self, dossier: DossierRef, block_name: str) -> Connector:
        """A connector for a dossier, its connection loaded from the named Prefect block."""
        try:
            connection = self.connection.load(block_name)
        except ValueError as error:
            raise failure(c.CONNECTION_NOT_CONFIGURED, detail=str(error),
                          block=block_name) from None
        return self.connector(connection, dossier, block_name)

    def probe(self, connector: Connector, code: str) -> bool | None:
        """Whether the cause of failure ``code`` is gone, by a read-only look at the package.

        ``None`` when it cannot tell: no probe for this code, or another problem in the way.
        The look is the dossier check, which reads and never writes.
        """
        if code not in self.probed:
            return None
        try:
            connector.check_dossier()
        except SyncFailure as still:
            return False if still.code.name == code else None
        return True
