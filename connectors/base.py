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

from doorstroom.documents.proposal import BookingProposal, BookingRequest, MasterData
from doorstroom.failures import codes as c
from doorstroom.failures import failure


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

    display_name: ClassVar[str]
    """The package's name in failure texts (the same as its catalogue's ``package.<key>``)."""
    supports_line_periods: ClassVar[bool] = False
    """Whether lines may be booked in periods of their own (spreading over periods)."""
    supports_foreign_currency: ClassVar[bool] = False
    """Whether the connector books a document in another currency than EUR (with the rate
    the document implies); otherwise such a document stops for a person."""

    def __init__(self, connection: Any, dossier: DossierRef, block_name: str = "") -> None:
        self.connection = connection
        self.dossier = dossier
        self.block_name = block_name

    @abc.abstractmethod
    def check_dossier(self) -> str:
        """Check, read-only, that the dossier reaches its administration; return its name.

        This is the whole of linking a dossier: the administration is made in the package by
        the office; Doorstroom checks that it exists and that its user may book in it.
        """

    @abc.abstractmethod
    def find_booking(self, request: BookingRequest) -> str | None:
        """The package's id of an earlier booking of this document, if there is one."""

    @abc.abstractmethod
    def create_booking(self, request: BookingRequest) -> str:
        """Create the booking (with its attachments) and return the package's id for it."""

    def same_booking(self, one: str, other: str) -> bool:
        """Whether two references name the same booking (a package whose lookup cannot see
        every part of a reference compares the parts it can)."""
        return one == other

    @abc.abstractmethod
    def delete_booking(self, external_ref: str) -> None:
        """Remove a booking that was withdrawn upstream."""

    @abc.abstractmethod
    def master_data(self) -> MasterData:
        """Parties, GL accounts, VAT codes, journals and periods of the administration."""

    def post_booking(self, request: BookingRequest) -> str:
        """Book a document exactly once, however often this is retried."""
        if len(request.proposal.periods) > 1 and not self.supports_line_periods:
            raise failure(c.PACKAGE_REJECTED, detail="line periods",
                          package=self.display_name,
                          message="lines in their own book periods are not supported")
        self._check_currency(request.proposal)
        existing = self.find_booking(request)
        if existing is not None:
            return existing
        return self.create_booking(request)

    def _check_currency(self, proposal: BookingProposal) -> None:
        """Never book foreign amounts as euro: a document in another currency needs its VAT
        in euro (BT-111) and a package that takes a currency and rate."""
        if proposal.currency == "EUR":
            return
        if proposal.eur_rate() is None:
            raise failure(c.FOREIGN_CURRENCY_WITHOUT_EUR_VAT, detail="no BT-6/BT-111 in EUR",
                          currency=proposal.currency)
        if not self.supports_foreign_currency:
            raise failure(c.FOREIGN_CURRENCY_NOT_SUPPORTED, detail="connector books EUR only",
                          package=self.display_name, currency=proposal.currency)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default holds none."""
