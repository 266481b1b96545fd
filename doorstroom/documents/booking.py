"""From a parsed UBL document to a booking proposal, using the dossier's master data.

One booking line per VAT category and rate of the document's VAT breakdown (so the lines
always add up to the document's totals, allowances and charges included). The account is the
supplier's (or customer's) default from master data where known, else the dossier default —
and then the line is flagged: a person should look at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import ValidationError

from doorstroom.documents.proposal import BookingProposal, Party, ProposalLine
from doorstroom.documents.ubl import UblDocument, UblError, UblVat
from doorstroom.store import repository as repo
from doorstroom.store.db import Session
from doorstroom.store.models import DocumentKind

KINDS = {
    ("purchase", "invoice"): DocumentKind.PURCHASE_INVOICE,
    ("purchase", "credit_note"): DocumentKind.PURCHASE_CREDIT_NOTE,
    ("sales", "invoice"): DocumentKind.SALES_INVOICE,
    ("sales", "credit_note"): DocumentKind.SALES_CREDIT_NOTE,
}


@dataclass(frozen=True)
class Defaults:
    """A dossier's fallbacks when master data says nothing better."""

    purchase_journal: str = "600"
    sales_journal: str = "700"
    purchase_account: str = "604000"
    sales_account: str = "700000"


@dataclass
class Proposed:
    """The proposal and the lines a person should still check (by index)."""

    proposal: BookingProposal
    needs_person: list[int] = field(default_factory=list)


def vat_code(row: UblVat) -> str:
    """The Belgian VAT code for a UBL category and rate (S 21 → "21"; exempt kinds by letter)."""
    if row.category == "S":
        return format(row.rate.normalize(), "f")
    return row.category


def party_account(session: Session, dossier_id: int, vat_number: str) -> str | None:
    """The party's default GL account from master data, if the package told us one."""
    if not vat_number:
        return None
    for record in repo.party_records(session, dossier_id):
        if vat_number in (record.code, record.extra.get("vat")):
            account = record.extra.get("gl_account")
            return str(account) if account else None
    return None


UBL_FIELDS = {
    "number": "ID (BT-1)", "currency": "DocumentCurrencyCode (BT-5)",
    "vat_currency": "TaxCurrencyCode (BT-6)", "vat_code": "TaxCategory/ID (BT-118)",
    "vat_number": "party VAT identifier (BT-31/BT-48)",
    "legal_id": "party legal registration (BT-30/BT-47)",
    "endpoint": "party electronic address (BT-34/BT-49)",
    "tax_representative_vat": "tax representative VAT (BT-63)",
    "amount": "TaxableAmount (BT-116)", "vat_amount": "TaxAmount (BT-117)",
}
"""Which UBL element a proposal field comes from, for a 422 that names what to fix."""


def _refused(error: ValidationError) -> UblError:
    """The first reason the proposal refused the document, named after its UBL element."""
    first = error.errors()[0]
    names = [str(part) for part in first["loc"] if not isinstance(part, int)]
    field = next((UBL_FIELDS[name] for name in reversed(names) if name in UBL_FIELDS),
                 ".".join(names) or "document")
    return UblError(field, first["msg"])


def propose(session: Session, dossier_id: int, document: UblDocument, direction: str,
            defaults: Defaults | None = None) -> Proposed:
    """The booking proposal of a parsed document for one dossier; :class:`UblError` when a
    value does not fit a booking (a 3-letter currency, a number of at most 100 characters —
    never cut short, so two documents can never become one)."""
    try:
        return _propose(session, dossier_id, document, direction, defaults or Defaults())
    except ValidationError as error:
        raise _refused(error) from None


def _propose(session: Session, dossier_id: int, document: UblDocument, direction: str,
             defaults: Defaults) -> Proposed:
    purchase = direction == "purchase"
    party = document.seller if purchase else document.buyer
    account = party_account(session, dossier_id, party.vat_number)
    fallback = defaults.purchase_account if purchase else defaults.sales_account
    description = "; ".join(line.description for line in document.lines if line.description)
    lines = [ProposalLine(gl_account=account or fallback, amount=row.taxable_amount,
                          vat_code=vat_code(row), vat_amount=row.tax_amount,
                          description=description[:200])
             for row in document.vat]
    proposal = BookingProposal(
        kind=KINDS[(direction, document.document_type)], number=document.number,
        issue_date=document.issue_date, due_date=document.due_date,
        currency=document.currency, party=Party(
            name=party.name[:200], vat_number=party.vat_number, legal_id=party.legal_id,
            endpoint=party.endpoint, tax_representative_vat=party.tax_representative_vat),
        journal=defaults.purchase_journal if purchase else defaults.sales_journal,
        description=f"{party.name} {document.number}"[:200], lines=lines,
        total_excl=sum((line.amount for line in lines), Decimal(0)),
        total_vat=sum((line.vat_amount for line in lines), Decimal(0)),
        total_incl=document.tax_inclusive,
        vat_currency=document.vat_currency if document.vat_currency != document.currency
        else None,
        total_vat_in_vat_currency=document.tax_total_vat_currency
        if document.vat_currency not in (None, document.currency) else None,
        prepaid=document.prepaid, rounding=document.rounding, payable=document.payable,
    )
    return Proposed(proposal, [] if account else list(range(len(lines))))
