"""Adsolut's sync operations over ExchangeService: create dossier, post, delete."""

from __future__ import annotations

from typing import ClassVar

import httpx

from blocks.adsolut import AdsolutConnection
from connectors.adsolut import errors
from connectors.adsolut.client import AdsolutClient, booking_xml
from connectors.base import Connector, DossierRef
from doorstroom.documents.proposal import BookingRequest, MasterData, MasterItem


class AdsolutConnector(Connector):
    """Adsolut for one database (``dossier.external_id`` is the Adsolut database name)."""

    display_name: ClassVar[str] = errors.PACKAGE

    def __init__(self, connection: AdsolutConnection, dossier: DossierRef,
                 block_name: str = "", http: httpx.Client | None = None) -> None:
        super().__init__(connection, dossier, block_name)
        self.client = AdsolutClient(connection, dossier.external_id, dossier.name, http)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def check_dossier(self) -> str:
        """Sign in to the dossier's database: it exists and the user may use it."""
        self.client.authenticate()
        return self.dossier.external_id

    def find_booking(self, request: BookingRequest) -> str | None:
        """The id of an earlier import carrying this document's reference."""
        ids = self.client.open_items(f"DS{request.document_id}")
        return ids[0] if ids else None

    def create_booking(self, request: BookingRequest) -> str:
        """Import the booking; a refused record becomes its failure."""
        result = self.client.import_booking(booking_xml(request))
        if result.success and result.ok_ids:
            return result.ok_ids[0]
        message = "; ".join(result.record_errors) or result.error or "import refused"
        raise errors.record_failure(message, request.proposal.period)

    def master_data(self) -> MasterData:
        """Relations, GL accounts, VAT codes, journals and periods of the database."""
        def items(kind: str) -> list[MasterItem]:
            return [MasterItem(code=row["Code"], name=row["Name"])
                    for row in self.client.master_items(kind)]

        return MasterData(parties=items("relaties"), gl_accounts=items("rekeningen"),
                          vat_codes=items("btwcodes"), journals=items("dagboeken"),
                          periods=items("periodes"))

    def delete_booking(self, external_ref: str) -> None:
        """RemovePurchaseInvoice; an id Adsolut no longer knows counts as removed."""
        success, error_id, message = self.client.remove(external_ref)
        if not success and error_id != "NOT_FOUND":
            raise errors.record_failure(message or error_id, "?")
