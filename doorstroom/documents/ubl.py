"""Peppol BIS Billing 3.0 / UBL 2.1 Invoice and CreditNote → a validated :class:`UblDocument`.

Parsed with lxml, safely: no DTD, no entities, no network, bounded size. Every problem is a
:class:`UblError` naming the field or the rule (BR-CO-10 and friends from EN 16931), so
ingest can answer with a 4xx that says what is wrong — nothing else may escape the parser.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree
from pydantic import BaseModel, Field

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "credit_note",
}
MAX_BYTES = 20 * 1024 * 1024
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                         huge_tree=False, remove_comments=True)
CENT = Decimal("0.01")
EN16931 = "EN 16931"
PEPPOL = "Peppol BIS Billing 3.0"
UBL_BE = "UBL.BE"
RELAXED: dict[str, frozenset[str]] = {
    EN16931: frozenset(),
    PEPPOL: frozenset(),
    # UBL.BE's rule set switches BR-CO-10 off (the header's line total may differ from the
    # sum of the lines by rounding; the proposal is built from the VAT breakdown, which is
    # still checked) and BR-IC-01 (not checked here for any profile).
    UBL_BE: frozenset({"BR-CO-10"}),
}
"""The EN 16931 arithmetic rules a profile does not enforce."""


def profile_of(customization: str) -> str:
    """The rule profile a document declares in its CustomizationID (BT-24)."""
    if "urn:UBL.BE:" in customization:
        return UBL_BE
    if "urn:fdc:peppol.eu:2017:poacc:billing:3.0" in customization:
        return PEPPOL
    return EN16931


class UblError(ValueError):
    """A declared validation error: which field or rule, and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UblParty(BaseModel):
    """Seller or buyer: names and identifiers (``scheme:identifier`` where a scheme is given)."""

    name: str
    vat_number: str = ""
    legal_id: str = ""
    endpoint: str = ""
    tax_representative_vat: str = ""


class UblLine(BaseModel):
    """An invoice line: net amount and its VAT category and rate."""

    line_id: str
    description: str = ""
    net_amount: Decimal
    vat_category: str
    vat_rate: Decimal


class UblVat(BaseModel):
    """One VAT breakdown row (category and rate)."""

    category: str
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal


class UblAttachment(BaseModel):
    """A file embedded in the document (usually its PDF)."""

    filename: str
    media_type: str
    content: bytes


class UblDocument(BaseModel):
    """What Doorstroom keeps of a UBL invoice or credit note."""

    document_type: str  # "invoice" | "credit_note"
    profile: str = EN16931
    number: str
    issue_date: date
    due_date: date | None = None
    currency: str
    seller: UblParty
    buyer: UblParty
    lines: list[UblLine] = Field(min_length=1)
    vat: list[UblVat]
    line_total: Decimal
    tax_exclusive: Decimal
    tax_total: Decimal
    tax_inclusive: Decimal
    payable: Decimal
    prepaid: Decimal = Decimal(0)
    rounding: Decimal = Decimal(0)
    vat_currency: str | None = None
    """BT-6 TaxCurrencyCode, when given."""
    tax_total_vat_currency: Decimal | None = None
    """BT-111: the VAT total in the VAT accounting currency (a TaxTotal without subtotals)."""
    payment_reference: str = ""
    attachments: list[UblAttachment] = Field(default_factory=list)


def parse_ubl(data: bytes) -> UblDocument:
    """Parse and check a UBL document; raise :class:`UblError` for anything wrong with it."""
    root = _root(data)
    kind = ROOTS.get(root.tag)
    if kind is None:
        raise UblError("root", f"not a UBL Invoice or CreditNote ({etree.QName(root).localname})")
    line_tag = "cac:InvoiceLine" if kind == "invoice" else "cac:CreditNoteLine"
    vat_currency = _optional(root, "cbc:TaxCurrencyCode")
    document = UblDocument(
        document_type=kind,
        profile=profile_of(_optional(root, "cbc:CustomizationID")),
        number=_text(root, "cbc:ID", "ID (BT-1)"),
        issue_date=_date(root, "cbc:IssueDate", "IssueDate (BT-2)"),
        due_date=_date(root, "cbc:DueDate", "DueDate (BT-9)", required=False),
        currency=_text(root, "cbc:DocumentCurrencyCode", "DocumentCurrencyCode (BT-5)"),
        seller=_party(root, "cac:AccountingSupplierParty/cac:Party", "seller"),
        buyer=_party(root, "cac:AccountingCustomerParty/cac:Party", "buyer"),
        lines=[_line(node, line_tag) for node in root.findall(line_tag, NS)],
        vat=[_vat(node) for node in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)],
        line_total=_amount(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "BT-106"),
        tax_exclusive=_amount(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "BT-109"),
        tax_total=_tax_total(root),
        tax_inclusive=_amount(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "BT-112"),
        payable=_amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", "BT-115"),
        prepaid=_amount(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount", "BT-113",
                        default="0"),
        rounding=_amount(root, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", "BT-114",
                         default="0"),
        vat_currency=vat_currency or None,
        tax_total_vat_currency=_tax_total_in(root, vat_currency),
        payment_reference=_optional(root, "cac:PaymentMeans/cbc:PaymentID"),
        attachments=[a for node in root.findall(
            "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS)
            if (a := _attachment(node)) is not None],
    )
    if not document.lines:
        raise UblError(line_tag, "a document needs at least one line (BR-16)")
    _check_totals(root, document)
    return document


def _root(data: bytes) -> etree._Element:
    if len(data) > MAX_BYTES:
        raise UblError("file", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as error:
        raise UblError("file", f"not well-formed XML ({error.msg})") from None
    # Asked of the parsed tree, not searched in the bytes: a DOCTYPE in UTF-16 or after a
    # long comment is found all the same (the parser neither loads nor expands it).
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UblError("file", "DOCTYPE and entity declarations are not allowed")
    return root


def _optional(node: etree._Element, path: str) -> str:
    return (node.findtext(path, default="", namespaces=NS) or "").strip()


def _text(node: etree._Element, path: str, field: str) -> str:
    value = _optional(node, path)
    if not value:
        raise UblError(field, "missing")
    return value


def _date(node: etree._Element, path: str, field: str, required: bool = True) -> date | None:
    value = _optional(node, path)
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UblError(field, f"not a date: {value!r}") from None


def _decimal(value: str, field: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise UblError(field, f"not an amount: {value!r}") from None
    if not number.is_finite():
        raise UblError(field, f"not an amount: {value!r}")
    return number


def _amount(node: etree._Element, path: str, field: str, default: str | None = None) -> Decimal:
    value = _optional(node, path)
    if not value:
        if default is None:
            raise UblError(f"{path.split('/')[-1]} ({field})", "missing")
        value = default
    return _decimal(value, f"{path.split('/')[-1]} ({field})")


def _party(root: etree._Element, path: str, role: str) -> UblParty:
    party = root.find(path, NS)
    if party is None:
        raise UblError(role, "missing")
    name = (_optional(party, "cac:PartyName/cbc:Name")
            or _optional(party, "cac:PartyLegalEntity/cbc:RegistrationName"))
    if not name:
        raise UblError(f"{role} name", "missing (BT-27/BT-44)")
    vat = ""
    for scheme in party.findall("cac:PartyTaxScheme", NS):
        if _optional(scheme, "cac:TaxScheme/cbc:ID") == "VAT":
            vat = _optional(scheme, "cbc:CompanyID")
    representative = ""
    if role == "seller":  # BT-63 belongs to the seller
        representative = _optional(root, "cac:TaxRepresentativeParty/cac:PartyTaxScheme/"
                                         "cbc:CompanyID")
    return UblParty(name=name, vat_number=vat.replace(" ", "").replace(".", ""),
                    legal_id=_with_scheme(party, "cac:PartyLegalEntity/cbc:CompanyID"),
                    endpoint=_with_scheme(party, "cbc:EndpointID"),
                    tax_representative_vat=representative.replace(" ", "").replace(".", ""))


def _with_scheme(node: etree._Element, path: str) -> str:
    """An identifier as ``scheme:value`` (BT-30/47 and BT-34/49 carry ``schemeID``)."""
    found = node.find(path, NS)
    if found is None or not (found.text or "").strip():
        return ""
    scheme = found.get("schemeID", "")
    value = (found.text or "").strip()
    return f"{scheme}:{value}" if scheme else value


def _line(node: etree._Element, line_tag: str) -> UblLine:
    line_id = _optional(node, "cbc:ID") or "?"
    field = f"{line_tag.split(':')[1]} {line_id}"
    category = _optional(node, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
    if not category:
        raise UblError(field, "VAT category missing (BT-151)")
    return UblLine(
        line_id=line_id,
        description=_optional(node, "cac:Item/cbc:Name"),
        net_amount=_amount(node, "cbc:LineExtensionAmount", "BT-131"),
        vat_category=category,
        vat_rate=_amount(node, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "BT-152",
                         default="0"),
    )


def _vat(node: etree._Element) -> UblVat:
    return UblVat(
        category=_text(node, "cac:TaxCategory/cbc:ID", "TaxSubtotal category (BT-118)"),
        rate=_amount(node, "cac:TaxCategory/cbc:Percent", "BT-119", default="0"),
        taxable_amount=_amount(node, "cbc:TaxableAmount", "BT-116"),
        tax_amount=_amount(node, "cbc:TaxAmount", "BT-117"),
    )


def _tax_total(root: etree._Element) -> Decimal:
    """BT-110: the TaxTotal in the document currency (the one with subtotals)."""
    for total in root.findall("cac:TaxTotal", NS):
        if total.find("cac:TaxSubtotal", NS) is not None:
            return _amount(total, "cbc:TaxAmount", "BT-110")
    raise UblError("TaxTotal (BT-110)", "missing")


def _tax_total_in(root: etree._Element, currency: str) -> Decimal | None:
    """BT-111: the TaxTotal in the VAT accounting currency (BT-6), which has no subtotals."""
    if not currency:
        return None
    for total in root.findall("cac:TaxTotal", NS):
        amount = total.find("cbc:TaxAmount", NS)
        if (total.find("cac:TaxSubtotal", NS) is None and amount is not None
                and amount.get("currencyID") == currency):
            return _amount(total, "cbc:TaxAmount", "BT-111")
    document_currency = _optional(root, "cbc:DocumentCurrencyCode")
    if currency != document_currency:
        raise UblError("TaxTotal (BT-111)", f"no VAT total in the VAT currency {currency} "
                                            "(BR-53)")
    return None


def _attachment(node: etree._Element) -> UblAttachment | None:
    text = (node.text or "").strip()
    if not text:
        return None
    try:
        content = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        raise UblError("EmbeddedDocumentBinaryObject", "not base64") from None
    return UblAttachment(filename=node.get("filename") or "attachment",
                         media_type=node.get("mimeCode") or "application/octet-stream",
                         content=content)


def _check_totals(root: etree._Element, doc: UblDocument) -> None:
    """EN 16931's arithmetic rules on the document totals, as the document's profile has them."""
    lines = sum((line.net_amount for line in doc.lines), Decimal(0))
    if "BR-CO-10" not in RELAXED[doc.profile] and (
            lines.quantize(CENT) != doc.line_total.quantize(CENT)):
        raise UblError("LineExtensionAmount (BR-CO-10)",
                       f"{doc.line_total} is not the sum of the lines ({lines})")
    total = "cac:LegalMonetaryTotal/"
    allowances = _amount(root, total + "cbc:AllowanceTotalAmount", "BT-107", default="0")
    charges = _amount(root, total + "cbc:ChargeTotalAmount", "BT-108", default="0")
    if (doc.line_total - allowances + charges).quantize(CENT) != doc.tax_exclusive.quantize(CENT):
        raise UblError("TaxExclusiveAmount (BR-CO-13)",
                       f"{doc.tax_exclusive} is not lines - allowances + charges")
    if (doc.tax_exclusive + doc.tax_total).quantize(CENT) != doc.tax_inclusive.quantize(CENT):
        raise UblError("TaxInclusiveAmount (BR-CO-15)",
                       f"{doc.tax_inclusive} is not {doc.tax_exclusive} + {doc.tax_total}")
    prepaid = _amount(root, total + "cbc:PrepaidAmount", "BT-113", default="0")
    rounding = _amount(root, total + "cbc:PayableRoundingAmount", "BT-114", default="0")
    if (doc.tax_inclusive - prepaid + rounding).quantize(CENT) != doc.payable.quantize(CENT):
        raise UblError("PayableAmount (BR-CO-16)",
                       f"{doc.payable} is not {doc.tax_inclusive} - prepaid + rounding")
    vat = sum((row.tax_amount for row in doc.vat), Decimal(0))
    if vat.quantize(CENT) != doc.tax_total.quantize(CENT):
        raise UblError("TaxAmount (BR-CO-14)",
                       f"{doc.tax_total} is not the sum of the VAT breakdown ({vat})")
