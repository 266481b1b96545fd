"""WinBooks on Web's sync operations: create dossier, post, find and delete a booking.

A booking is a ``GLTransHeader`` (``BookPeriod_Id``, ``JournalCode``, ``DocNumber``,
``BookDate``, ``DueDate``) with its ``GLTransactions``: line 0 on the supplier or customer,
a line per cost or revenue account with its VAT code, and the VAT on its own line on the VAT
account — signed so that the lines add up to zero, every line in the header's book period
(WinBooks' DEV pages, ``docs/packages.md``). WinBooks answers the transaction's ``Id``; that
``Id`` is the reference Doorstroom keeps, to find, show and delete it.

Modelled (not published): where the document's own number is kept (line 0's ``Reference``,
which is how an earlier post is found), the ``DocNumber`` (the journal's highest + 1), the
route and answer of the add (``POST /app/GLTransHeaders`` answering ``Id`` and ``Href``), a
line spread to another period carrying that period as its ``VatPeriod_Id``, the VAT
accounts (411000 deductible, 451000 due) and the book periods' ``Status``/``VatStatus``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from blocks.winbooks import WinBooksConnection
from connectors.base import Connector, DossierRef
from connectors.winbooks import errors
from connectors.winbooks.client import ENTITY_TYPES, WinBooksClient, eq, not_
from doorstroom.documents.proposal import (
    BookingProposal,
    BookingRequest,
    DocumentKind,
    MasterData,
    MasterItem,
)
from doorstroom.failures import codes as c
from doorstroom.failures import failure
from doorstroom.settings import get_settings

TRANSACTION = "GLTransHeader"
SALES = (DocumentKind.SALES_INVOICE, DocumentKind.SALES_CREDIT_NOTE)
CREDIT_NOTES = (DocumentKind.PURCHASE_CREDIT_NOTE, DocumentKind.SALES_CREDIT_NOTE)
VAT_ACCOUNTS = {"purchase": "411000", "sales": "451000"}
CENTRAL_ACCOUNTS = {"purchase": "440000", "sales": "400000"}


def party_code(proposal: BookingProposal) -> str:
    """The supplier's or customer's code from its VAT number (digits), else its name."""
    digits = re.sub(r"\D", "", proposal.party.vat_number)
    return f"T{digits[-10:]}" if digits else re.sub(r"\W", "", proposal.party.name).upper()[:10]


def wow_date(day: date) -> str:
    """WinBooks' JSON date: ``/Date(<Unix ms>)/`` (DEV pages)."""
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)})/"


def _side(proposal: BookingProposal) -> Decimal:
    """+1 when the party line is a debit (a sales invoice, a purchase credit note), else -1."""
    debit = (proposal.kind in SALES) != (proposal.kind in CREDIT_NOTES)
    return Decimal(1) if debit else Decimal(-1)


def transaction_lines(proposal: BookingProposal, period_id: str,
                      line_periods: dict[str, str]) -> list[dict[str, Any]]:
    """Line 0 on the party, a line per proposal line, the VAT line; amounts add up to zero.

    Signs as the DEV pages' sale example: the party line and the VAT line carry the VAT base
    with the party line's sign; cost or revenue lines and the VAT amount the opposite one.
    """
    sales = proposal.kind in SALES
    flow = "sales" if sales else "purchase"
    sign = _side(proposal)
    party = {"CustomerCode" if sales else "SupplierCode": party_code(proposal)}
    lines: list[dict[str, Any]] = [{
        "$type": ENTITY_TYPES["GLTranss"], "LineOrder": 0, "BookPeriod_Id": period_id,
        "GLAccountCode": CENTRAL_ACCOUNTS[flow], **party,
        "Amount": str(sign * proposal.total_incl),
        "VatBaseAmount": str(sign * proposal.total_excl),
        "VatTaxAmount": str(sign * proposal.total_vat), "Reference": proposal.number,
        "CommentBooking": proposal.description or proposal.party.name}]
    if sales:
        lines[0]["TurnOverAmount"] = str(sign * proposal.total_excl)
    for order, line in enumerate(proposal.lines, start=1):
        entry = {"$type": ENTITY_TYPES["GLTranss"], "LineOrder": order,
                 "BookPeriod_Id": period_id, "GLAccountCode": line.gl_account,
                 "VatCode": line.vat_code, "Amount": str(-sign * line.amount),
                 "CommentBooking": line.description}
        if line.period and line.period in line_periods:
            entry["VatPeriod_Id"] = line_periods[line.period]
        lines.append(entry)
    if proposal.total_vat:
        lines.append({"$type": ENTITY_TYPES["GLTranss"], "LineOrder": len(lines),
                      "BookPeriod_Id": period_id, "GLAccountCode": VAT_ACCOUNTS[flow],
                      "VatCode": proposal.lines[0].vat_code,
                      "Amount": str(-sign * proposal.total_vat),
                      "VatBaseAmount": str(sign * proposal.total_excl)})
    return lines if proposal.currency == "EUR" else in_euro(proposal, lines)


def in_euro(proposal: BookingProposal, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A foreign-currency transaction: each line keeps its amount in the document's currency
    (``CurrencyCode``/``CurrencyAmount``/``CurrencyRate``) and books euro, the VAT exactly as
    the document states it in euro (BT-111), the party line what balances the rest."""
    rate = proposal.eur_rate()
    assert rate is not None  # Connector.post_booking stops the document otherwise
    vat_eur = proposal.total_vat_in_vat_currency or Decimal(0)
    cent = Decimal("0.01")
    converted = []
    for line in lines:
        amount = Decimal(line["Amount"])
        euro = (amount * rate).quantize(cent)
        if line["GLAccountCode"] in VAT_ACCOUNTS.values():
            euro = vat_eur if amount > 0 else -vat_eur
        entry = {**line, "Amount": str(euro), "CurrencyCode": proposal.currency,
                 "CurrencyAmount": str(amount),
                 "CurrencyRate": str(rate.quantize(Decimal("0.0000000001")))}
        for name, currency_name in (("VatBaseAmount", "CurrencyVatBaseAmount"),
                                    ("VatTaxAmount", "CurrencyVatTaxAmount")):
            if name in line:
                original = Decimal(line[name])
                entry[currency_name] = str(original)
                entry[name] = str(((vat_eur if original > 0 else -vat_eur)
                                   if name == "VatTaxAmount" else original * rate).quantize(cent))
        if "TurnOverAmount" in line:
            entry["TurnOverAmount"] = str((Decimal(line["TurnOverAmount"]) * rate).quantize(cent))
        converted.append(entry)
    converted[0]["Amount"] = str(-sum(Decimal(line["Amount"]) for line in converted[1:]))
    return converted


class WinBooksConnector(Connector):
    """WinBooks on Web for one folder (``dossier.external_id`` is the folder code)."""

    display_name: ClassVar[str] = errors.PACKAGE
    supports_line_periods: ClassVar[bool] = True  # as the line's VAT period (modelled)
    supports_foreign_currency: ClassVar[bool] = True  # Currency* fields of GLTrans

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
        if not self.client.criteria("BookPeriods", most=1):
            raise errors.unexpected(f"folder {self.dossier.external_id} has no book periods")
        return self.dossier.external_id

    def book_period(self, period: str) -> dict[str, Any] | None:
        """The book period of a month, never the opening period (Number 0) — the DEV pages'
        criteria, ordered by Number so that a closing period comes last."""
        rows = self.client.criteria(
            "BookPeriods", eq("RelatedYear", int(period[:4])), eq("RelatedMonth", int(period[4:])),
            not_(eq("Number", 0)), orders=[("Number", True)], most=1)
        return rows[0] if rows else None

    def find_booking(self, request: BookingRequest) -> str | None:
        """The ``Id`` of this document's transaction, if an earlier attempt made it: line 0
        of the party with the document's number as its reference."""
        proposal = request.proposal
        party = self.client.get(self._party_om(proposal), party_code(proposal))
        if party is None:
            return None
        party_key = "Customer_Id" if proposal.kind in SALES else "Supplier_Id"
        rows = self.client.criteria("GLTranss", eq("LineOrder", 0),
                                    eq("Reference", proposal.number),
                                    eq(party_key, party.get("Id")))
        return str(rows[0]["GLTransHeader_Id"]) if rows else None

    def create_booking(self, request: BookingRequest) -> str:
        """Add the transaction in the document's book period; return its ``Id``."""
        proposal = request.proposal
        periods = self._open_periods(proposal)
        self._ensure_party(proposal)
        period_id = periods[proposal.period]
        header = {
            "$type": ENTITY_TYPES["GLTransHeaders"], "BookPeriod_Id": period_id,
            "JournalCode": proposal.journal, "DocNumber": self._next_doc_number(proposal),
            "BookDate": wow_date(proposal.issue_date),
            "DueDate": wow_date(proposal.due_date) if proposal.due_date else None,
            "GLTransactions": transaction_lines(proposal, period_id, periods),
        }
        [made] = self.client.add_many("GLTransHeaders", [header],
                                      context={"period": ",".join(proposal.periods)})
        return _transaction_id(made)

    def _open_periods(self, proposal: BookingProposal) -> dict[str, str]:
        """Every period the booking touches must be open, and so must its VAT period; their
        ``Id``s. All closed VAT periods are named in one failure, reopened at once."""
        ids, vat_closed = {}, []
        for period in proposal.periods:
            row = self.book_period(period)
            if row is None or row.get("Status") != "Open":
                raise failure(c.NO_OPEN_BOOKING_PERIOD, detail=f"book period: {row}",
                              period=period)
            if row.get("VatStatus") != "Open":
                vat_closed.append(period)
            ids[period] = str(row["Id"])
        if vat_closed:
            raise failure(errors.WINBOOKS_VAT_PERIOD_CLOSED, detail="VatStatus closed",
                          periods=",".join(vat_closed), support=get_settings().support_email)
        return ids

    def _next_doc_number(self, proposal: BookingProposal) -> int:
        """The journal's next document number (modelled: its highest + 1)."""
        rows = self.client.criteria("GLTransHeaders", eq("JournalCode", proposal.journal),
                                    orders=[("DocNumber", False)], most=1)
        return int(rows[0].get("DocNumber") or 0) + 1 if rows else 1

    @staticmethod
    def _party_om(proposal: BookingProposal) -> str:
        return "Customer" if proposal.kind in SALES else "Supplier"

    def _ensure_party(self, proposal: BookingProposal) -> None:
        """The supplier or customer, created with its nested Third when it is new."""
        om = self._party_om(proposal)
        code = party_code(proposal)
        if self.client.get(om, code) is not None:
            return
        self.client.add(om, code, {
            "$type": ENTITY_TYPES[om + "s"], "Third": {
                "$type": "Winbooks.TORM.OM.Third, Winbooks.TORM.OM", "Code": code,
                "Name": proposal.party.name, "VatNumber": proposal.party.vat_number}})

    def master_data(self) -> MasterData:
        """Suppliers, GL accounts, VAT codes, journals and book periods of the folder."""
        rows = self.client.criteria
        return MasterData(
            parties=[MasterItem(code=str(s["Code"]), name=str(s.get("Third", {}).get("Name", "")),
                                extra={"vat": str(s.get("Third", {}).get("VatNumber", ""))})
                     for s in rows("Suppliers")],
            gl_accounts=[MasterItem(code=str(a["Code"])) for a in rows("GLAccounts")],
            vat_codes=[MasterItem(code=str(v["Code"]), extra={"rate": str(v.get("Rate", ""))})
                       for v in rows("Vats")],
            journals=[MasterItem(code=str(j["Code"]), name=str(j.get("Label", "")))
                      for j in rows("Journals")],
            periods=[MasterItem(code=f"{p['RelatedYear']}{int(p['RelatedMonth']):02d}",
                                extra={"status": str(p.get("Status")),
                                       "vat": str(p.get("VatStatus"))})
                     for p in rows("BookPeriods", not_(eq("Number", 0)))],
        )

    def delete_booking(self, external_ref: str) -> None:
        """Delete the transaction by its ``Id``; one that is already gone counts as deleted."""
        self.client.delete(TRANSACTION, external_ref)


def _transaction_id(made: dict[str, Any]) -> str:
    """The ``Id`` WinBooks gave the transaction, from the answer's ``Id`` or ``Href``."""
    if made.get("Id"):
        return str(made["Id"])
    match = re.search(r"/GLTransHeader/([^/]+)/Folder/", str(made.get("Href", "")))
    if match is None:
        raise errors.unexpected(f"no Id in the answer to the add: {made}")
    return match.group(1)
