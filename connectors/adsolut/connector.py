"""Adsolut's sync operations over ExchangeService: create dossier, post, find, delete.

A purchase invoice is imported with ``ImportDivBookings``, a sales invoice with
``ImportSalesInvoices``; each record is an ``<invoice>`` holding a ``<blrela>`` header and its
``<blboekhpl>`` lines with a debit/credit code (``docs/packages.md``). An earlier import is
found with ``GetOpenItems`` by the relation's code and the document's number, so a retry after
a lost answer finds what the lost call created.

A booking's reference is ``<relation code>:<document number>``, followed by ``:<id>`` when
the import answered Adsolut's id (``KeyFields`` ``id``); only with that id can
``RemovePurchaseInvoice`` delete it — without one, the office deletes it by hand.

Modelled: the relation code (Adsolut's codes are the office's own; Doorstroom uses the VAT
number's digits, else the name), the date format (ISO), the code of an invoice or credit note
in ``codefcbd_codefcbd`` (``F``/``C``), and ``GetMasterData``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import httpx
from lxml import etree

from blocks.adsolut import AdsolutConnection
from connectors.adsolut import errors
from connectors.adsolut.client import AdsolutClient, ImportResult
from connectors.base import Connector, DossierRef
from doorstroom.documents.proposal import (
    BookingProposal,
    BookingRequest,
    DocumentKind,
    MasterData,
    MasterItem,
)

PURCHASE_IMPORT = "ImportDivBookings"
SALES_IMPORT = "ImportSalesInvoices"
CREDIT_NOTES = (DocumentKind.PURCHASE_CREDIT_NOTE, DocumentKind.SALES_CREDIT_NOTE)
SALES = (DocumentKind.SALES_INVOICE, DocumentKind.SALES_CREDIT_NOTE)


def relation_code(proposal: BookingProposal) -> str:
    """The relation's code in Adsolut (modelled): the VAT number's digits, else the name."""
    digits = re.sub(r"\D", "", proposal.party.vat_number)
    return digits[-10:] if digits else re.sub(r"\W", "", proposal.party.name).upper()[:10]


def _line_side(proposal: BookingProposal) -> str:
    """``D`` or ``C`` for the lines: costs are debited, revenue credited; notes reverse it."""
    debit = (proposal.kind in SALES) == (proposal.kind in CREDIT_NOTES)
    return "D" if debit else "C"


def booking_xml(proposal: BookingProposal) -> str:
    """One ``<invoice>`` record: the ``<blrela>`` header and a ``<blboekhpl>`` per line."""
    root = etree.Element("invoices")
    invoice = etree.SubElement(root, "invoice")
    header = etree.SubElement(invoice, "blrela")
    for name, value in (
        ("factuur", proposal.number),
        ("factdat", proposal.issue_date.isoformat()),
        ("vervdat", proposal.due_date.isoformat() if proposal.due_date else ""),
        ("relaties_code", relation_code(proposal)),
        ("codefcbd_codefcbd", "C" if proposal.kind in CREDIT_NOTES else "F"),
        ("tebet", str(proposal.total_incl)),
        ("basis", str(proposal.total_excl)),
        ("btwtebet", str(proposal.total_vat)),
        ("boekjaar_boekjaar", proposal.period[:4]),
        ("periode_periode", proposal.period[4:]),
        ("dagboek_dagboek", proposal.journal),
    ):
        etree.SubElement(header, name).text = value
    side = _line_side(proposal)
    for line in proposal.lines:
        row = etree.SubElement(invoice, "blboekhpl")
        for name, value in (("boekhpl_reknr", line.gl_account), ("bedrag", str(line.amount)),
                            ("codedc", side), ("btwcodes_btwcode", line.vat_code)):
            etree.SubElement(row, name).text = value
    return etree.tostring(root, encoding="unicode")


def booking_ref(proposal: BookingProposal, adsolut_id: str = "") -> str:
    """``<relation>:<number>[:<id>]`` — what Doorstroom keeps of a booking."""
    ref = f"{relation_code(proposal)}:{proposal.number}"
    return f"{ref}:{adsolut_id}" if adsolut_id else ref


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
        """An open item of the relation with this document's number, if one was imported.

        ``GetOpenItems`` lists unpaid documents only: an import paid since would not be
        found. A retry follows its lost answer within minutes, a payment takes days.
        """
        proposal = request.proposal
        code = relation_code(proposal)
        items = (self.client.open_items(rel_code=code) if proposal.kind in SALES
                 else self.client.open_items(lev_code=code))
        found = any(item.number == proposal.number and item.journal == proposal.journal
                    for item in items)
        return booking_ref(proposal) if found else None

    def create_booking(self, request: BookingRequest) -> str:
        """Import the record; a refused record becomes its failure."""
        proposal = request.proposal
        operation = SALES_IMPORT if proposal.kind in SALES else PURCHASE_IMPORT
        result = self.client.import_records(operation, booking_xml(proposal))
        if result.success and result.ok and not result.nok:
            return booking_ref(proposal, result.ok[0].keys.get("id", ""))
        raise errors.record_failure(_refusal(result), proposal.period)

    def same_booking(self, one: str, other: str) -> bool:
        """Two references name one booking when relation and number agree (the id is
        known only to the attempt that imported it)."""
        return one.split(":")[:2] == other.split(":")[:2]

    def delete_booking(self, external_ref: str) -> None:
        """``RemovePurchaseInvoice`` by Adsolut's id; gone already counts as deleted."""
        relation, number, *known = external_ref.split(":")
        if not known or not known[0].isdigit():
            raise errors.remove_by_hand(number, self.dossier.name)
        removed, error_id, message = self.client.remove_purchase_invoice(int(known[0]))
        if removed or not self._still_open(relation, number):
            return
        raise errors.record_failure(f"{error_id}: {message}", "?")

    def _still_open(self, relation: str, number: str) -> bool:
        return any(item.number == number for item in self.client.open_items(lev_code=relation))

    def master_data(self) -> MasterData:
        """Relations, GL accounts, VAT codes, journals and periods of the database."""
        def items(kind: str) -> list[MasterItem]:
            return [MasterItem(code=row["Code"], name=row["Name"])
                    for row in self.client.master_items(kind)]

        return MasterData(parties=items("relaties"), gl_accounts=items("rekeningen"),
                          vat_codes=items("btwcodes"), journals=items("dagboeken"),
                          periods=items("periodes"))


def _refusal(result: ImportResult) -> str:
    """The first refusal a record or the import reported."""
    texts = [record.errors for record in result.nok if record.errors]
    return "; ".join(texts) or result.error or result.info or "import refused"
