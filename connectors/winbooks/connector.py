"""WinBooks on Web's sync operations: create dossier, post booking, delete booking.

A booking is a ``GLTransHeader`` with its ``GLTrans`` lines (account, amount, VAT code,
VAT base and amount) in the journal of the proposal and the book period of the document
date. Its code is derived from Doorstroom's document id, so the code itself is the
reference an earlier attempt left behind: a retry finds it, and adding it twice is refused
by WinBooks with 409.
"""

from __future__ import annotations

import re
from typing import ClassVar

import httpx

from blocks.winbooks import WinBooksConnection
from connectors.base import Connector, DossierRef
from connectors.winbooks import errors
from connectors.winbooks.client import WinBooksClient
from doorstroom.documents.proposal import (
    BookingProposal,
    BookingRequest,
    MasterData,
    MasterItem,
)
from doorstroom.failures import codes as c
from doorstroom.failures import failure

TRANSACTION = "GLTransHeader"


def transaction_code(request: BookingRequest) -> str:
    """The WinBooks code of a document's transaction: stable across attempts."""
    return f"DS{request.document_id}"


def third_code(proposal: BookingProposal) -> str:
    """A third's code from its VAT number (digits), else from its name."""
    digits = re.sub(r"\D", "", proposal.party.vat_number)
    return f"T{digits[-10:]}" if digits else re.sub(r"\W", "", proposal.party.name).upper()[:10]


class WinBooksConnector(Connector):
    """WinBooks on Web for one folder (``dossier.external_id`` is the folder code)."""

    display_name: ClassVar[str] = errors.PACKAGE
    supports_line_periods: ClassVar[bool] = True  # GLTrans lines carry their own BookPeriod

    def __init__(self, connection: WinBooksConnection, dossier: DossierRef,
                 block_name: str = "", http: httpx.Client | None = None) -> None:
        super().__init__(connection, dossier, block_name)
        self.client = WinBooksClient(connection, dossier.external_id, dossier.name,
                                     block_name, http)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def check_dossier(self) -> str:
        """Check that the licence reaches the folder and that it has book periods."""
        if not self.client.criteria("BookPeriods"):
            raise errors.unexpected(f"folder {self.dossier.external_id} has no book periods")
        return self.dossier.external_id

    def find_booking(self, request: BookingRequest) -> str | None:
        """The code of this document's transaction, if an earlier attempt created it."""
        code = transaction_code(request)
        return code if self.client.get(TRANSACTION, code) is not None else None

    def create_booking(self, request: BookingRequest) -> str:
        """Add the transaction in the document's book period; return its code."""
        proposal = request.proposal
        self._check_period(proposal)
        third = self._ensure_third(proposal)
        code = transaction_code(request)
        self.client.add(TRANSACTION, code, {
            "Journal": proposal.journal,
            "DocNumber": proposal.number,
            "DocDate": proposal.issue_date.isoformat(),
            "DueDate": proposal.due_date.isoformat() if proposal.due_date else None,
            "BookPeriod": proposal.period,
            "Third": third,
            "Comment": proposal.description or proposal.party.name,
            "Amount": str(proposal.total_incl),
            "GLTrans": [
                {"Account": line.gl_account, "BookPeriod": line.period or proposal.period,
                 "Amount": str(line.amount + line.vat_amount),
                 "VatCode": line.vat_code, "VatBaseAmount": str(line.amount),
                 "VatAmount": str(line.vat_amount), "Comment": line.description}
                for line in proposal.lines
            ],
        }, context={"period": ",".join(proposal.periods)})
        return code

    def _check_period(self, proposal: BookingProposal) -> None:
        """Every book period the booking touches must be open, and so must its VAT period.

        All closed VAT periods are named in one failure, so the employee reopens them at once.
        """
        vat_closed = []
        for period in proposal.periods:
            rows = self.client.criteria("BookPeriods", RelatedYear=int(period[:4]),
                                        RelatedMonth=int(period[4:]))
            if not rows or rows[0].get("Status") != "Open":
                raise failure(c.NO_OPEN_BOOKING_PERIOD, detail=f"book period rows: {rows}",
                              period=period)
            if rows[0].get("VatStatus") != "Open":
                vat_closed.append(period)
        if vat_closed:
            raise failure(errors.WINBOOKS_VAT_PERIOD_CLOSED, detail="VatStatus closed",
                          periods=",".join(vat_closed))

    def _ensure_third(self, proposal: BookingProposal) -> str:
        if proposal.party.vat_number:
            rows = self.client.criteria("Thirds", VatNumber=proposal.party.vat_number)
            if rows:
                return str(rows[0]["Code"])
        code = third_code(proposal)
        self.client.add("Third", code, {"Name": proposal.party.name,
                                        "VatNumber": proposal.party.vat_number})
        return code

    def master_data(self) -> MasterData:
        """Thirds, GL accounts, VAT codes, journals and book periods of the folder."""
        rows = self.client.criteria
        return MasterData(
            parties=[MasterItem(code=str(t["Code"]), name=str(t.get("Name", "")),
                                extra={"vat": str(t.get("VatNumber", ""))})
                     for t in rows("Thirds")],
            gl_accounts=[MasterItem(code=str(a["Code"])) for a in rows("GLAccounts")],
            vat_codes=[MasterItem(code=str(v["Code"]), extra={"rate": str(v.get("Rate", ""))})
                       for v in rows("Vats")],
            journals=[MasterItem(code=str(j["Code"]), name=str(j.get("Label", "")))
                      for j in rows("Journals")],
            periods=[MasterItem(code=str(p["Code"]), extra={"status": str(p.get("Status")),
                                                            "vat": str(p.get("VatStatus"))})
                     for p in rows("BookPeriods")],
        )

    def delete_booking(self, external_ref: str) -> None:
        """Delete the transaction; one that is already gone counts as deleted."""
        self.client.delete(TRANSACTION, external_ref)
