"""The booking proposal: what the document-processing service says should be booked.

Every payload that crosses a boundary (ingest, store JSON, connector input) is this model.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from doorstroom.store.models import DocumentKind

Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]


def _compact(value: str) -> str:
    """Upper-case letters and digits only: ``BE 0123.456.789`` → ``BE0123456789``."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _scheme_id(value: str) -> str:
    """``scheme:identifier`` with the identifier compacted (``0208:0123.456.789`` →
    ``0208:0123456789``); an identifier without a scheme stays compacted."""
    scheme, _, identifier = value.rpartition(":")
    return f"{scheme.strip()}:{_compact(identifier)}" if scheme else _compact(identifier)


class Party(BaseModel):
    """The supplier (purchase) or customer (sales) of the document, with what identifies it."""

    model_config = ConfigDict(frozen=True)
    name: str = Field(min_length=1, max_length=200)
    vat_number: str = Field(default="", max_length=40)
    """BT-31 (seller) / BT-48 (buyer)."""
    legal_id: str = Field(default="", max_length=80)
    """Legal registration (BT-30/BT-47) as ``scheme:identifier``, e.g. ``0208:0123456789``."""
    endpoint: str = Field(default="", max_length=120)
    """Electronic address (BT-34/BT-49) as ``scheme:identifier``."""
    tax_representative_vat: str = Field(default="", max_length=40)
    """The seller's tax representative's VAT number (BT-63)."""

    @property
    def identity(self) -> str:
        """Who this party is, for telling documents apart: the VAT number, else the legal
        registration, else the electronic address, else the tax representative's VAT — each
        normalised — and only when none exists, the name. Two suppliers without a VAT number
        never share an identity by accident."""
        if _compact(self.vat_number):
            return f"vat:{_compact(self.vat_number)}"
        for kind, value in (("legal", self.legal_id), ("endpoint", self.endpoint)):
            if _compact(value):
                return f"{kind}:{_scheme_id(value)}"
        if _compact(self.tax_representative_vat):
            return f"rep:{_compact(self.tax_representative_vat)}"
        return "name:" + " ".join(self.name.casefold().split())

    def digits(self) -> set[str]:
        """The national numbers in the identifiers (a Belgian VAT and enterprise number share
        their ten digits), for matching a party to a dossier's company."""
        found = set()
        for value in (self.vat_number, self.legal_id.rpartition(":")[2],
                      self.endpoint.rpartition(":")[2]):
            digits = "".join(ch for ch in value if ch.isdigit())
            if len(digits) >= 8:
                found.add(digits[-10:])
        return found


class ProposalLine(BaseModel):
    """One booking line: a general-ledger account, an amount excluding VAT, and its VAT."""

    model_config = ConfigDict(frozen=True)
    gl_account: str = Field(min_length=1, max_length=20)
    description: str = Field(default="", max_length=200)
    amount: Money
    vat_code: str = Field(min_length=1, max_length=10)
    vat_amount: Money
    period: str | None = Field(default=None, pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    """Book period ``YYYYMM`` of this line when it differs from the document's (spreading)."""


class BookingProposal(BaseModel):
    """A document's header, lines and totals; the totals must add up."""

    model_config = ConfigDict(frozen=True)
    kind: DocumentKind
    number: str = Field(min_length=1, max_length=100)
    issue_date: date
    due_date: date | None = None
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    party: Party
    journal: str = Field(min_length=1, max_length=20)
    description: str = Field(default="", max_length=200)
    lines: list[ProposalLine] = Field(min_length=1)
    total_excl: Money
    total_vat: Money
    total_incl: Money
    vat_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    """BT-6: the currency the VAT is accounted in, when it is not the document's (BT-5)."""
    total_vat_in_vat_currency: Money | None = None
    """BT-111: the VAT total in ``vat_currency``."""
    prepaid: Money = Decimal(0)
    """BT-113: already paid."""
    rounding: Money = Decimal(0)
    """BT-114: rounding of the amount due."""
    payable: Money | None = None
    """BT-115: the amount due (``total_incl - prepaid + rounding`` when not given)."""
    book_period: str | None = Field(default=None, pattern=r"^\d{4}(0[1-9]|1[0-6])$")
    """The book period ``YYYYPP`` (the package's financial year and period) to book in,
    when it is not the issue date's: an employee chose it because that one is closed."""

    @model_validator(mode="after")
    def _totals_add_up(self) -> BookingProposal:
        if sum((line.amount for line in self.lines), Decimal(0)) != self.total_excl:
            raise ValueError("total_excl is not the sum of the line amounts")
        if sum((line.vat_amount for line in self.lines), Decimal(0)) != self.total_vat:
            raise ValueError("total_vat is not the sum of the line VAT amounts")
        if self.total_excl + self.total_vat != self.total_incl:
            raise ValueError("total_incl is not total_excl + total_vat")
        if (self.vat_currency not in (None, self.currency)
                and self.total_vat_in_vat_currency is None):
            raise ValueError("vat_currency needs total_vat_in_vat_currency (BT-111)")
        if self.payable is not None and (
                self.total_incl - self.prepaid + self.rounding != self.payable):
            raise ValueError("payable is not total_incl - prepaid + rounding")
        return self

    def eur_rate(self) -> Decimal | None:
        """Euros per unit of the document's currency, as the document itself implies it: 1 for
        a euro document, BT-111 / BT-110 when the VAT is accounted in euro, else ``None``
        (nobody said what the VAT is in euro)."""
        if self.currency == "EUR":
            return Decimal(1)
        if self.vat_currency == "EUR" and self.total_vat_in_vat_currency is not None \
                and self.total_vat:
            return self.total_vat_in_vat_currency / self.total_vat
        return None

    @property
    def period(self) -> str:
        """The book period: the chosen one, else the calendar period ``YYYYMM`` of the issue
        date, as people name periods."""
        return self.book_period or f"{self.issue_date.year}{self.issue_date.month:02d}"

    def moved_to(self, period: str) -> BookingProposal:
        """This document booked whole in ``period``: lines spread over other periods are
        booked there too (a person moved the document out of a closed year)."""
        return self.model_copy(update={
            "book_period": period,
            "lines": [line.model_copy(update={"period": None}) for line in self.lines]})

    @property
    def periods(self) -> list[str]:
        """Every book period the booking touches: the document's and its lines' own."""
        return sorted({self.period, *(line.period for line in self.lines if line.period)})


def safe_filename(name: str) -> str:
    """A file's base name without folders, markup or control characters (at most 120
    characters, extension kept): what a sender calls ``../../x<script>.pdf`` is stored as
    ``xscript.pdf``."""
    base = re.split(r"[\\/]", name)[-1]
    kept = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*&;\'`')
    kept = kept.strip(" .")
    stem, dot, extension = kept.rpartition(".")
    if dot and len(extension) <= 10:
        kept = stem[:120 - len(extension) - 1] + "." + extension
    return kept[:120] or "document"


class Attachment(BaseModel):
    """A file sent along with a booking (the PDF or UBL of the document)."""

    model_config = ConfigDict(frozen=True)
    filename: Annotated[str, AfterValidator(safe_filename)]
    media_type: str
    content: bytes


class BookingRequest(BaseModel):
    """Everything a connector needs to book one document in one administration."""

    model_config = ConfigDict(frozen=True)
    document_id: int
    proposal: BookingProposal
    attachments: list[Attachment] = Field(default_factory=list)


class MasterItem(BaseModel):
    """One master-data record of a package: its code, its name, and what else it said."""

    model_config = ConfigDict(frozen=True)
    code: str
    name: str = ""
    extra: dict[str, str] = Field(default_factory=dict)


class MasterData(BaseModel):
    """A dossier's master data as the package holds it; booking proposals are built on it."""

    parties: list[MasterItem] = Field(default_factory=list)
    gl_accounts: list[MasterItem] = Field(default_factory=list)
    vat_codes: list[MasterItem] = Field(default_factory=list)
    journals: list[MasterItem] = Field(default_factory=list)
    periods: list[MasterItem] = Field(default_factory=list)

    def kinds(self) -> dict[str, list[MasterItem]]:
        """The lists by kind name, as the store keeps them."""
        return {"party": self.parties, "gl_account": self.gl_accounts,
                "vat_code": self.vat_codes, "journal": self.journals, "period": self.periods}
