"""Exact Online's sync operations: create dossier, post booking, delete booking.

A booking is a purchase entry (``purchaseentry/PurchaseEntries``, Type 30 invoice /
31 credit note) or a sales entry (``salesentry/SalesEntries``, 20 / 21), with its lines
(GL account, amount, VAT code and amount). The document's files go into
``documents/Documents`` + ``DocumentAttachments`` and the entry points at that document.
Every step first looks for what an earlier attempt may already have created, so a retry
after a dropped connection never creates anything twice.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from blocks.exact_online import ExactOnlineConnection
from connectors.base import Connector, DossierRef
from connectors.exact_online import errors
from connectors.exact_online.client import ExactOnlineClient, quote
from doorstroom.documents.proposal import (
    BookingProposal,
    BookingRequest,
    MasterData,
    MasterItem,
)
from doorstroom.failures import EmployeeActionRequired, SyncFailure, failure
from doorstroom.failures import codes as c
from doorstroom.store.models import DocumentKind


def vat_code(code: str) -> str:
    """Exact's VAT codes are three characters, space-padded (``'2  '``)."""
    return code.ljust(3)


class EntryKind:
    """Where one document kind is booked in Exact Online."""

    def __init__(self, resource: str, party_field: str, lines_field: str, entry_type: int,
                 document_type: int) -> None:
        self.resource = resource
        self.party_field = party_field
        self.lines_field = lines_field
        self.entry_type = entry_type
        self.document_type = document_type  # Documents.Type: 20 purchase, 10 sales invoice


PURCHASE, SALES = "purchaseentry/PurchaseEntries", "salesentry/SalesEntries"
ENTRY_KINDS = {
    DocumentKind.PURCHASE_INVOICE: EntryKind(PURCHASE, "Supplier", "PurchaseEntryLines", 30, 20),
    DocumentKind.PURCHASE_CREDIT_NOTE: EntryKind(PURCHASE, "Supplier", "PurchaseEntryLines",
                                                 31, 20),
    DocumentKind.SALES_INVOICE: EntryKind(SALES, "Customer", "SalesEntryLines", 20, 10),
    DocumentKind.SALES_CREDIT_NOTE: EntryKind(SALES, "Customer", "SalesEntryLines", 21, 10),
}


class ExactOnlineConnector(Connector):
    """Exact Online for one division (``dossier.external_id`` is the division code)."""

    display_name: ClassVar[str] = errors.PACKAGE
    supports_foreign_currency: ClassVar[bool] = True  # Currency + Rate on the entry

    def __init__(self, connection: ExactOnlineConnection, dossier: DossierRef,
                 block_name: str = "", http: httpx.Client | None = None) -> None:
        super().__init__(connection, dossier, block_name)
        self.client = ExactOnlineClient(connection, dossier.external_id, dossier.name,
                                        block_name, http)
        # One connector serves one flow run: what a run reads once it need not read per document.
        self._accounts: dict[str, dict[str, Any]] = {}
        self._periods_known: list[tuple[date, date]] = []
        self._gl_codes: dict[str, str] | None = None

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    # --- create dossier -----------------------------------------------------------------------
    def check_dossier(self) -> str:
        """Check that the Doorstroom user can reach the division; return its name."""
        try:
            rows = self.client.results("system/Divisions",
                                       f"Code eq {int(self.dossier.external_id)}")
        except EmployeeActionRequired as error:
            if error.code == errors.EXACT_DIVISION_ACCESS_LOST:
                raise failure(errors.EXACT_DOSSIER_RIGHTS_MISSING, detail=error.detail,
                              dossier=self.dossier.name) from error
            raise
        if not rows:
            raise errors.unexpected(f"division {self.dossier.external_id} not listed")
        return str(rows[0].get("Description", self.dossier.name))

    # --- post booking -------------------------------------------------------------------------
    def post_booking(self, request: BookingRequest) -> str:
        """Book as every connector does, the rate-limit slots of its calls taken at once."""
        with self.client.calls_of_one_booking():
            return super().post_booking(request)

    def find_booking(self, request: BookingRequest) -> str | None:
        """The EntryID of an earlier entry with this document's number for this party."""
        proposal = request.proposal
        kind = ENTRY_KINDS[proposal.kind]
        party = self._find_account(proposal)
        if party is None:
            return None
        rows = self.client.results(
            kind.resource,
            f"YourRef eq {quote(proposal.number)} and {kind.party_field} eq guid'{party}'",
            "EntryID",
        )
        return str(rows[0]["EntryID"]) if rows else None

    def create_booking(self, request: BookingRequest) -> str:
        """Create the entry (after its document and attachments); return its EntryID."""
        proposal = request.proposal
        self._check_period(proposal)
        kind = ENTRY_KINDS[proposal.kind]
        party = self._party(proposal)
        document = self._ensure_document(request, kind, party)
        body = {
            "Journal": proposal.journal,
            kind.party_field: party,
            "Type": kind.entry_type,
            "EntryDate": proposal.issue_date.isoformat(),
            "DueDate": proposal.due_date.isoformat() if proposal.due_date else None,
            "YourRef": proposal.number,
            "Description": proposal.description or f"{proposal.party.name} {proposal.number}",
            "Currency": proposal.currency,
            **_rate(proposal),
            "Document": document,
            **_reporting_period(proposal),
            kind.lines_field: [
                {"GLAccount": self._gl_account(line.gl_account), "AmountFC": str(line.amount),
                 "VATCode": vat_code(line.vat_code), "VATAmountFC": str(line.vat_amount),
                 "Description": line.description}
                for line in proposal.lines
            ],
        }
        entry = self.client.create(kind.resource, body, context={"period": proposal.period})
        try:
            return str(entry["EntryID"])
        except KeyError as error:
            raise errors.unexpected("created entry has no EntryID") from error

    def _check_period(self, proposal: BookingProposal) -> None:
        """The entry date must fall in a financial period of the division, found by its start
        and end date: a financial year need not be the calendar year. A period a person chose
        (``book_period``) must exist by its financial year and number."""
        if proposal.book_period:
            year, number = int(proposal.book_period[:4]), int(proposal.book_period[4:])
            if not self.client.results("financial/FinancialPeriods",
                                       f"FinYear eq {year} and FinPeriod eq {number}",
                                       "FinYear,FinPeriod"):
                raise failure(c.NO_OPEN_BOOKING_PERIOD, detail="no such financial period",
                              period=proposal.period)
            return
        day = proposal.issue_date
        if not any(start <= day <= end for start, end in self._periods_known):
            moment = f"datetime'{day.isoformat()}'"
            rows = self.client.results(
                "financial/FinancialPeriods", f"StartDate le {moment} and EndDate ge {moment}",
                "FinYear,FinPeriod,StartDate,EndDate")
            self._periods_known.extend((_odata_day(p["StartDate"]), _odata_day(p["EndDate"]))
                                       for p in rows)
        if not any(start <= day <= end for start, end in self._periods_known):
            raise failure(c.NO_OPEN_BOOKING_PERIOD, detail="no financial period",
                          period=proposal.period)

    def _find_account(self, proposal: BookingProposal) -> str | None:
        """The party's account id; found ones are remembered (find and create both ask)."""
        found = self._account_row(proposal)
        return None if found is None else str(found["ID"])

    def _account_row(self, proposal: BookingProposal) -> dict[str, Any] | None:
        party = proposal.party
        key = party.vat_number or party.name
        if key not in self._accounts:
            wanted = (f"VATNumber eq {quote(party.vat_number)}" if party.vat_number
                      else f"Name eq {quote(party.name)}")
            rows = self.client.results("crm/Accounts", wanted, "ID,Status,IsSupplier,IsSales")
            if not rows:
                return None
            self._accounts[key] = rows[0]
        return self._accounts[key]

    def _party(self, proposal: BookingProposal) -> str:
        """The account to book on, made a supplier or a customer where it is not one yet.

        A customer needs Status 'C' (not only IsSales), or its sales entries are refused
        "Ongeldig: Klant (Type)" — also an account first made as a supplier.
        """
        purchase = ENTRY_KINDS[proposal.kind].resource == PURCHASE
        role = {"IsSupplier": True} if purchase else {"IsSales": True, "Status": "C"}
        found = self._account_row(proposal)
        if found is None:
            found = self.client.create("crm/Accounts", {
                "Name": proposal.party.name, "VATNumber": proposal.party.vat_number, **role})
            self._accounts[proposal.party.vat_number or proposal.party.name] = found
        elif any(found.get(name) != value for name, value in role.items()):
            self.client.update(f"crm/Accounts(guid'{found['ID']}')", role)
            found.update(role)
        return str(found["ID"])

    def _gl_accounts(self) -> dict[str, str]:
        """The division's GL accounts by code, read once per run.

        Not a ``functools.cached_property``: on Python 3.11 that holds one lock for every
        instance of the class while it computes, so the run reading its accounts (a call that
        may wait minutes for a rate-limit slot) held up the first booking of every other run
        in the worker (measured: two thirds of the worker's run time in ``bench/latency.py``).
        """
        if self._gl_codes is None:
            rows = self.client.results("financial/GLAccounts", "", "ID,Code")
            self._gl_codes = {str(row["Code"]): str(row["ID"]) for row in rows}
        return self._gl_codes

    def _gl_account(self, code: str) -> str:
        try:
            return self._gl_accounts()[code]
        except KeyError:
            raise failure(c.PACKAGE_REJECTED, detail="GL account missing",
                          package=self.display_name,
                          message=f"general ledger account {code} does not exist") from None

    def _ensure_document(self, request: BookingRequest, kind: EntryKind, party: str) -> str | None:
        if not request.attachments:
            return None
        subject = f"Doorstroom {request.document_id}: {request.proposal.number}"
        rows = self.client.results("documents/Documents", f"Subject eq {quote(subject)}", "ID")
        document = str(rows[0]["ID"]) if rows else str(self.client.create(
            "documents/Documents",
            {"Subject": subject, "Type": kind.document_type, "Account": party})["ID"])
        present = {row.get("FileName") for row in self.client.results(
            "documents/DocumentAttachments", f"Document eq guid'{document}'", "FileName")}
        for attachment in request.attachments:
            if attachment.filename not in present:
                self.client.create("documents/DocumentAttachments", {
                    "Document": document, "FileName": attachment.filename,
                    "Attachment": base64.b64encode(attachment.content).decode("ascii"),
                })
        return document

    # --- master data ------------------------------------------------------------------------
    def master_data(self) -> MasterData:
        """Accounts, GL accounts, VAT codes, journals and financial periods of the division."""
        results = self.client.results
        return MasterData(
            parties=[MasterItem(code=str(a["ID"]), name=str(a.get("Name", "")),
                                extra={"vat": str(a.get("VATNumber", "")),
                                       "supplier": str(a.get("IsSupplier", False))})
                     for a in results("crm/Accounts", "", "ID,Name,VATNumber,IsSupplier")],
            gl_accounts=[MasterItem(code=str(g["Code"]), name=str(g.get("Description", "")))
                         for g in results("financial/GLAccounts", "", "Code,Description")],
            vat_codes=[MasterItem(code=str(v["Code"]).strip(), name=str(v.get("Description", "")))
                       for v in results("vat/VATCodes", "", "Code,Description")],
            journals=[MasterItem(code=str(j["Code"]), name=str(j.get("Description", "")))
                      for j in results("financial/Journals", "", "Code,Description")],
            periods=[MasterItem(code=f"{p['FinYear']}{int(p['FinPeriod']):02d}")
                     for p in results("financial/FinancialPeriods", "", "FinYear,FinPeriod")],
        )

    # --- delete booking -----------------------------------------------------------------------
    def delete_booking(self, external_ref: str) -> None:
        """Delete an entry; an entry that is already gone counts as deleted."""
        for resource in (PURCHASE, SALES):
            try:
                self.client.request("DELETE", f"{resource}(guid'{external_ref}')")
                return
            except SyncFailure as error:
                if error.code != c.PACKAGE_REJECTED:  # 404: not in this resource
                    raise


def _rate(proposal: BookingProposal) -> dict[str, str]:
    """A foreign-currency entry carries the rate the document implies (its VAT in euro / its
    VAT in its own currency), so that Exact's euro VAT is the document's."""
    rate = proposal.eur_rate()
    if proposal.currency == "EUR" or rate is None:
        return {}
    return {"Rate": str(rate.quantize(Decimal("0.0000000001")))}


def _reporting_period(proposal: BookingProposal) -> dict[str, int]:
    """``ReportingYear``/``ReportingPeriod`` of an entry booked in a chosen period; without
    them Exact books in the period of the entry date."""
    if not proposal.book_period:
        return {}
    return {"ReportingYear": int(proposal.book_period[:4]),
            "ReportingPeriod": int(proposal.book_period[4:])}


def _odata_day(value: Any) -> date:
    """A date from Exact's ``/Date(ms)/`` form (or an ISO string)."""
    text = str(value)
    if text.startswith("/Date("):
        millis = int(text[6:].split(")")[0].split("+")[0])
        return datetime.fromtimestamp(millis / 1000, UTC).date()
    return date.fromisoformat(text[:10])
