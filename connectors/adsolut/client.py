"""SOAP 1.1 client for Adsolut's ExchangeService (``ExchangeService.asmx``), on httpx and lxml.

Follows the service's own help pages (``ExchangeService.asmx?op=<Operation>``, each showing
the SOAP 1.1 request and response; see ``docs/packages.md``):

- ``ImportDivBookings(xml)`` and ``ImportSalesInvoices(xml)`` answer ``Success``, ``Error``,
  ``ResultInfo`` and the records as ``OK_Records`` / ``NOK_Records`` of ``XmlRecordInfo``
  (``Reference``, ``KeyFields``, ``KeyValues``, ``Errors``);
- ``GetOpenItems(relCode, levCode)`` answers ``Success``, ``ErrorMessage``, ``Saldo`` and
  ``Documenten`` of ``OpenDocumentItem`` (``Boekjaar``, ``Periode``, ``Dagboek``,
  ``DocumentNumber``, …);
- ``RemovePurchaseInvoice(purchaseInvoiceId: int)`` answers ``Success``, ``ErrorId: int``,
  ``ErrorMessage``.

Modelled (not published): the answer of ``AuthenticateUser(userName, passWord, database)``
(``Success`` and ``ErrorMessage``, as the other results), the session travelling as a
cookie (no SOAP header appears in the samples), and how ``KeyFields``/``KeyValues`` list the
record's keys (``;``-separated names and values). XML is parsed without entities or network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
from lxml import etree

from blocks.adsolut import AdsolutConnection
from connectors.adsolut import errors
from connectors.http import package_client
from connectors.http_errors import classify_transport_error, describe

NS = "http://websrv.adsolut.be/webservices"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
SESSION_EXPIRED = "session expired"


@dataclass(frozen=True)
class RecordInfo:
    """One ``XmlRecordInfo`` of an import answer."""

    reference: str
    keys: dict[str, str]
    errors: str


@dataclass
class ImportResult:
    """What an import operation answered."""

    success: bool
    error: str
    info: str
    ok: list[RecordInfo] = field(default_factory=list)
    nok: list[RecordInfo] = field(default_factory=list)


@dataclass(frozen=True)
class OpenItem:
    """One ``OpenDocumentItem`` of ``GetOpenItems``."""

    year: str
    period: str
    journal: str
    number: str
    amount: Decimal


class AdsolutClient:
    """Calls one office's ExchangeService for one Adsolut database (the dossier)."""

    def __init__(self, connection: AdsolutConnection, database: str, dossier_name: str,
                 http: httpx.Client | None = None) -> None:
        self.connection = connection
        self.database = database
        self.dossier_name = dossier_name
        self.http = http or package_client(connection.timeout_seconds)
        self._owns_http = http is None
        self._signed_in = False

    def close(self) -> None:
        """Close the HTTP connection pool if this client opened it."""
        if self._owns_http:
            self.http.close()

    # --- operations ---------------------------------------------------------------------
    def authenticate(self) -> None:
        """Sign in to the database; the service keeps the session in a cookie."""
        result = self._call("AuthenticateUser", {
            "userName": self.connection.user_name,
            "passWord": self.connection.password.get_secret_value(),
            "database": self.database,
        })
        if _text(result, "Success").lower() != "true":
            raise errors.soap_fault(_text(result, "ErrorMessage") or "sign-in refused",
                                    self.dossier_name)
        self._signed_in = True

    def import_records(self, operation: str, xml: str) -> ImportResult:
        """``ImportDivBookings`` or ``ImportSalesInvoices`` with one or more records."""
        result = self.call(operation, {"xml": xml})
        return ImportResult(
            success=_text(result, "Success").lower() == "true", error=_text(result, "Error"),
            info=_text(result, "ResultInfo"), ok=_records(result, "OK_Records"),
            nok=_records(result, "NOK_Records"))

    def open_items(self, rel_code: str = "", lev_code: str = "") -> list[OpenItem]:
        """The open documents of a customer (``relCode``) or a supplier (``levCode``)."""
        result = self.call("GetOpenItems", {"relCode": rel_code, "levCode": lev_code})
        if _text(result, "Success").lower() != "true":
            raise errors.unexpected(f"GetOpenItems: {_text(result, 'ErrorMessage')}")
        return [OpenItem(year=_text(item, "Boekjaar"), period=_text(item, "Periode"),
                         journal=_text(item, "Dagboek"), number=_text(item, "DocumentNumber"),
                         amount=_decimal(_text(item, "Bedrag")))
                for item in result.iterfind(f"{{{NS}}}Documenten/{{{NS}}}OpenDocumentItem")]

    def remove_purchase_invoice(self, purchase_invoice_id: int) -> tuple[bool, int, str]:
        """``RemovePurchaseInvoice``: (Success, ErrorId, ErrorMessage)."""
        result = self.call("RemovePurchaseInvoice", {"purchaseInvoiceId": str(purchase_invoice_id)})
        error_id = _text(result, "ErrorId") or "0"
        if not error_id.lstrip("-").isdigit():
            raise errors.unexpected(f"RemovePurchaseInvoice: ErrorId {error_id!r} is no int")
        return (_text(result, "Success").lower() == "true", int(error_id),
                _text(result, "ErrorMessage"))

    def master_items(self, kind: str) -> list[dict[str, str]]:
        """GetMasterData for one kind (modelled): ``[{"Code", "Name"}]``."""
        result = self.call("GetMasterData", {"kind": kind})
        return [{"Code": _text(item, "Code"), "Name": _text(item, "Name")}
                for item in result.iter(f"{{{NS}}}Item")]

    # --- SOAP ---------------------------------------------------------------------------
    def call(self, action: str, params: Mapping[str, str]) -> etree._Element:
        """A call within a session, signing in (again) when needed."""
        if not self._signed_in:
            self.authenticate()
        try:
            return self._call(action, params)
        except _SessionExpired:
            self.authenticate()
            return self._call(action, params)

    def _call(self, action: str, params: Mapping[str, str]) -> etree._Element:
        response = self._post(action, envelope(action, params))
        body = self._parse(response)
        fault = body.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
        if fault is not None:
            message = fault.findtext("faultstring") or ""
            if SESSION_EXPIRED in message.lower():
                self._signed_in = False
                raise _SessionExpired(message)
            raise errors.soap_fault(message, self.dossier_name)
        if not response.is_success:
            raise errors.http_failure(response)
        result = body.find(f"{{{SOAP}}}Body/{{{NS}}}{action}Response/{{{NS}}}{action}Result")
        if result is None:
            raise errors.unexpected(f"{action}: no {action}Result")
        return result

    def _post(self, action: str, body: bytes) -> httpx.Response:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS}/{action}"'}
        try:
            return self.http.post(self.connection.service_url, content=body, headers=headers)
        except httpx.TransportError as error:
            raise classify_transport_error(error) from error

    def _parse(self, response: httpx.Response) -> etree._Element:
        if response.status_code == 429 or (response.status_code >= 500
                                           and b"Fault" not in response.content):
            raise errors.http_failure(response)
        try:
            return etree.fromstring(response.content, PARSER)
        except etree.XMLSyntaxError as error:
            raise errors.unexpected(f"not XML ({error}) — {describe(response)}") from error


def envelope(action: str, params: Mapping[str, str]) -> bytes:
    """The SOAP 1.1 request of one operation, as the service's help page shows it."""
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"xsi": XSI, "xsd": XSD, "soap": SOAP})
    call = etree.SubElement(etree.SubElement(root, f"{{{SOAP}}}Body"), f"{{{NS}}}{action}",
                            nsmap={None: NS})
    for name, value in params.items():
        etree.SubElement(call, f"{{{NS}}}{name}").text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


class _SessionExpired(Exception):
    """The service forgot our session; sign in again."""


def _text(node: etree._Element, name: str) -> str:
    return (node.findtext(f"{{{NS}}}{name}") or "").strip()


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except ArithmeticError as error:
        raise errors.unexpected(f"not an amount: {text!r}") from error


def _records(result: etree._Element, name: str) -> list[RecordInfo]:
    records = []
    for node in result.iterfind(f"{{{NS}}}{name}/{{{NS}}}XmlRecordInfo"):
        names = [part.strip() for part in _text(node, "KeyFields").split(";")]
        values = [part.strip() for part in _text(node, "KeyValues").split(";")]
        records.append(RecordInfo(reference=_text(node, "Reference"),
                                  keys=dict(zip(names, values, strict=False)),
                                  errors=_text(node, "Errors")))
    return records
