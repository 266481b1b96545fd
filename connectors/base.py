"""What every connector is: a small class per package behind one abstract base.

Shaped after the Airbyte CDK's source (``check_connection`` + streams) and Singer SDK's
taps: concrete classes set class attributes and implement a handful of methods. The base
class owns the rules every package shares, so no connector can forget them:
a booking is looked up by its own reference before it is posted (no double bookings).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

from prefect.blocks.core import Block

from doorstroom.documents.proposal import BookingRequest, MasterData
from doorstroom.failures import SyncFailure, failure
from doorstroom.failures import codes as c


@dataclass(frozen=True)
class DossierRef:
    """The dossier a connector works for: our id and name, the package's administration id."""

    id: int
    name: str
    external_id: str


class Connector(abc.ABC):
    """One accounting package's operations for one dossier's administration.

    Methods raise :class:`doorstroom.failures.SyncFailure` subclasses only; any other
    exception is a bug that the flow turns into ``SupportRequired``.
    """

    package: ClassVar[str]
    display_name: ClassVar[str]
    connection_type: ClassVar[type[Block]]
    supports_line_periods: ClassVar[bool] = False
    """Whether lines may be booked in periods of their own (spreading over periods)."""
    probed: ClassVar[frozenset[str]] = frozenset()
    """Employee failure codes whose cause a read-only check can see gone (auto-recheck)."""
    retries: ClassVar[int] = 3
    retry_delay_seconds: ClassVar[list[float]] = [2.0, 10.0, 30.0]

    def __init__(self, connection: Any, dossier: DossierRef, block_name: str = "") -> None:
        self.connection = connection
        self.dossier = dossier
        self.block_name = block_name

    @abc.abstractmethod
    def create_dossier(self) -> str:
        """Link the dossier to its administration; return the administration's name."""

    @abc.abstractmethod
    def find_booking(self, request: BookingRequest) -> str | None:
        """The package's id of an earlier booking of this document, if there is one."""

    @abc.abstractmethod
    def create_booking(self, request: BookingRequest) -> str:
        """Create the booking (with its attachments) and return the package's id for it."""

    @abc.abstractmethod
    def delete_booking(self, external_ref: str) -> None:
        """Remove a booking that was withdrawn upstream."""

    @abc.abstractmethod
    def master_data(self) -> MasterData:
        """Parties, GL accounts, VAT codes, journals and periods of the administration."""

    def probe(self, code: str) -> bool | None:
        """Whether the cause of failure ``code`` is gone, by a read-only look at the package.

        ``None`` when it cannot tell: no probe for this code, or another problem in the way.
        The look is the dossier check (``create_dossier``), which reads and never writes.
        """
        if code not in self.probed:
            return None
        try:
            self.create_dossier()
        except SyncFailure as still:
            return False if still.code.name == code else None
        return True

    def post_booking(self, request: BookingRequest) -> str:
        """Book a document exactly once, however often this is retried."""
        if len(request.proposal.periods) > 1 and not self.supports_line_periods:
            raise failure(c.PACKAGE_REJECTED, detail="line periods",
                          package=self.display_name,
                          message="lines in their own book periods are not supported")
        existing = self.find_booking(request)
        if existing is not None:
            return existing
        return self.create_booking(request)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default holds none."""
