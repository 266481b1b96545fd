"""Adsolut against the service's own help pages, without the sandbox.

Each test would have failed on the connector before it followed the sources: it read the
import result as ``Records/Record/Id``, asked ``GetOpenItems`` for a ``reference``, removed
by a string ``id``, nested lines inside ``blrela`` with invented names and no debit/credit
code, and imported sales through ``ImportDivBookings``.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from lxml import etree
from pydantic import SecretStr

from blocks.adsolut import AdsolutConnection
from connectors.adsolut.client import NS, envelope
from connectors.adsolut.connector import AdsolutConnector, booking_xml
from connectors.base import DossierRef
from doorstroom.documents.proposal import BookingRequest, DocumentKind
from doorstroom.failures import EmployeeActionRequired
from tests.connectors.golden import answering, golden, xml_shape
from tests.helpers import a_proposal

SIGNED_IN = f"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<AuthenticateUserResponse xmlns="{NS}"><AuthenticateUserResult><Success>true</Success>
<ErrorMessage /></AuthenticateUserResult></AuthenticateUserResponse></soap:Body>
</soap:Envelope>""".encode()


def connector_answering(answers: dict[str, bytes],
                        seen: list[httpx.Request]) -> AdsolutConnector:
    """A connector whose service answers each operation with its golden response."""
    def respond(request: httpx.Request) -> bytes:
        action = request.headers["SOAPAction"].strip('"').rsplit("/", 1)[1]
        return SIGNED_IN if action == "AuthenticateUser" else answers[action]

    connection = AdsolutConnection(service_url="https://adsolut.test/ExchangeService.asmx",
                                   user_name="doorstroom", password=SecretStr("secret"))
    return AdsolutConnector(connection, DossierRef(1, "Garage Maes", "MAES"),
                            http=answering(respond, seen))


def a_request(number: str = "A-1", kind: DocumentKind = DocumentKind.PURCHASE_INVOICE,
              ) -> BookingRequest:
    proposal = a_proposal(number, date(2026, 3, 10), vat="BE0123456789")
    return BookingRequest(document_id=1, proposal=proposal.model_copy(update={"kind": kind}))


@pytest.mark.parametrize("operation, params", [
    ("ImportDivBookings", {"xml": "<invoices/>"}),
    ("GetOpenItems", {"relCode": "", "levCode": "0123456789"}),
    ("RemovePurchaseInvoice", {"purchaseInvoiceId": "1042"}),
])
def test_each_request_has_the_shape_of_the_help_page(operation: str,
                                                     params: dict[str, str]) -> None:
    assert xml_shape(envelope(operation, params)) == xml_shape(
        golden("adsolut", f"{operation}.request.xml"))


def test_the_import_record_has_the_documented_fields_and_a_debit_credit_code() -> None:
    ours = etree.fromstring(booking_xml(a_request().proposal).encode())
    documented = etree.fromstring(golden("adsolut", "import-record.xml"))

    assert xml_shape(etree.tostring(ours)) == xml_shape(etree.tostring(documented))
    assert [line.findtext("codedc") for line in ours.iter("blboekhpl")] == ["D"]
    sales = etree.fromstring(booking_xml(a_request(kind=DocumentKind.SALES_INVOICE).proposal))
    assert [line.findtext("codedc") for line in sales.iter("blboekhpl")] == ["C"]


def test_an_imported_record_is_read_from_ok_records_with_its_id() -> None:
    seen: list[httpx.Request] = []
    connector = connector_answering({
        "GetOpenItems": golden("adsolut", "GetOpenItems.response.xml").replace(b"A-1", b"A-0"),
        "ImportDivBookings": golden("adsolut", "ImportDivBookings.ok.response.xml")}, seen)

    assert connector.post_booking(a_request()) == "0123456789:A-1:1042"
    assert [r.headers["SOAPAction"] for r in seen][-1].endswith('/ImportDivBookings"')


def test_a_refused_record_is_read_from_nok_records_with_its_error() -> None:
    connector = connector_answering({
        "GetOpenItems": golden("adsolut", "GetOpenItems.response.xml").replace(b"A-1", b"A-0"),
        "ImportDivBookings": golden("adsolut", "ImportDivBookings.response.xml")}, [])

    with pytest.raises(EmployeeActionRequired) as refused:
        connector.post_booking(a_request())

    assert refused.value.code.name == "no_open_booking_period"


def test_an_earlier_import_is_found_by_supplier_code_and_document_number() -> None:
    seen: list[httpx.Request] = []
    connector = connector_answering(
        {"GetOpenItems": golden("adsolut", "GetOpenItems.response.xml")}, seen)

    found = connector.find_booking(a_request("A-1"))
    missing = connector.find_booking(a_request("A-2"))

    assert found == "0123456789:A-1" and missing is None
    asked = etree.fromstring(seen[-1].content).find(f".//{{{NS}}}GetOpenItems")
    assert asked is not None
    assert {etree.QName(child).localname: child.text or "" for child in asked} == {
        "relCode": "", "levCode": "0123456789"}


def test_a_sales_invoice_goes_through_import_sales_invoices() -> None:
    seen: list[httpx.Request] = []
    connector = connector_answering({
        "GetOpenItems": golden("adsolut", "GetOpenItems.response.xml").replace(b"A-1", b"A-0"),
        "ImportSalesInvoices": golden("adsolut", "ImportDivBookings.ok.response.xml").replace(
            b"ImportDivBookings", b"ImportSalesInvoices")}, seen)

    connector.post_booking(a_request(kind=DocumentKind.SALES_INVOICE))

    assert seen[-1].headers["SOAPAction"] == f'"{NS}/ImportSalesInvoices"'


def test_a_removal_sends_the_int_id_and_reads_the_int_error_id() -> None:
    seen: list[httpx.Request] = []
    connector = connector_answering(
        {"RemovePurchaseInvoice": golden("adsolut", "RemovePurchaseInvoice.response.xml")}, seen)

    connector.delete_booking("0123456789:A-1:1042")

    sent = etree.fromstring(seen[-1].content).findtext(f".//{{{NS}}}purchaseInvoiceId")
    assert sent == "1042"


def test_a_booking_without_a_known_id_is_removed_by_the_office() -> None:
    connector = connector_answering({}, [])
    with pytest.raises(EmployeeActionRequired) as by_hand:
        connector.delete_booking("0123456789:A-1")
    assert by_hand.value.code.name == "adsolut.remove_by_hand"
    assert by_hand.value.params == {"document": "A-1", "dossier": "Garage Maes"}
