"""SOAP 1.1 client for Adsolut's ExchangeService, built on httpx and lxml.

Each call posts an envelope with ``SOAPAction: "{NS}{Action}"``; after
``AuthenticateUser`` the session id rides in a ``SessionHeader`` (modelled). A fault saying
the session expired triggers one new sign-in. XML is parsed without entities or network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from lxml import etree

from blocks.adsolut import AdsolutConnection
from connectors.adsolut import errors
from connectors.http_errors import classify_transport_error
from doorstroom.documents.proposal import BookingRequest

NS = "http://websrv.adsolut.be/webservices"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
SESSION_EXPIRED = "session expired"


def booking_xml(request: BookingRequest) -> str:
    """The import XML of one booking: a ``blrela`` header with ``blboekhpl`` lines (modelled)."""
    proposal = request.proposal
    root = etree.Element("blrela")
    for name, value in (
        ("boekjaar_boekjaar", str(proposal.issue_date.year)),
        ("periode_periode", f"{proposal.issue_date.month:02d}"),
        ("dagboek_dagboek", proposal.journal),
        ("referentie", f"DS{request.document_id}"),
        ("documentnummer", proposal.number),
        ("documentdatum", proposal.issue_date.isoformat()),
        ("relatie_naam", proposal.party.name),
        ("relatie_btwnummer", proposal.party.vat_number),
        ("totaal", str(proposal.total_incl)),
    ):
        etree.SubElement(root, name).text = value
    for line in proposal.lines:
        row = etree.SubElement(root, "blboekhpl")
        for name, value in (("rekening", line.gl_account), ("omschrijving", line.description),
                            ("bedrag", str(line.amount)), ("btwcode", line.vat_code),
                            ("btwbedrag", str(line.vat_amount))):
            etree.SubElement(row, name).text = value
    return etree.tostring(root, encoding="unicode")


@dataclass
class ImportResult:
    """What ImportDivBookings answered."""

    success: bool
    error: str
    ok_ids: list[str] = field(default_factory=list)
    record_errors: list[str] = field(default_factory=list)


class AdsolutClient:
    """Calls one office's ExchangeService for one Adsolut database (the dossier)."""

    def __init__(self, connection: AdsolutConnection, database: str, dossier_name: str,
                 http: httpx.Client | None = None) -> None:
        self.connection = connection
        self.database = database
        self.dossier_name = dossier_name
        self.http = http or httpx.Client(timeout=connection.timeout_seconds)
        self._owns_http = http is None
        self._session: str | None = None

    def close(self) -> None:
        """Close the HTTP connection pool if this client opened it."""
        if self._owns_http:
            self.http.close()

    # --- calls ------------------------------------------------------------------------------
    def authenticate(self) -> str:
        """Sign in to the database; return the session id."""
        result = self._call("AuthenticateUser", {
            "userName": self.connection.user_name,
            "passWord": self.connection.password.get_secret_value(),
            "database": self.database,
        }, with_session=False)
        self._session = (result.text or "").strip()
        if not self._session:
            raise errors.unexpected("AuthenticateUser returned no session")
        return self._session

    def import_booking(self, xml: str) -> ImportResult:
        """ImportDivBookings for one booking."""
        result = self.call("ImportDivBookings", {"xml": xml})
        return ImportResult(
            success=_text(result, "Success").lower() == "true", error=_text(result, "Error"),
            ok_ids=[(node.text or "") for node in result.iterfind(f"{{{NS}}}Records/"
                                                                  f"{{{NS}}}Record/{{{NS}}}Id")],
            record_errors=[(node.text or "") for node in result.iter(f"{{{NS}}}string")],
        )

    def open_items(self, reference: str) -> list[str]:
        """Ids of the open items carrying ``reference``."""
        result = self.call("GetOpenItems", {"reference": reference})
        return [(node.text or "") for node in result.iter(f"{{{NS}}}Id")]

    def master_items(self, kind: str) -> list[dict[str, str]]:
        """GetMasterData for one kind (modelled): ``[{"Code", "Name"}]``."""
        result = self.call("GetMasterData", {"kind": kind})
        return [{"Code": (item.findtext(f"{{{NS}}}Code") or ""),
                 "Name": (item.findtext(f"{{{NS}}}Name") or "")}
                for item in result.iter(f"{{{NS}}}Item")]

    def remove(self, booking_id: str) -> tuple[bool, str, str]:
        """RemovePurchaseInvoice: (Success, ErrorId, ErrorMessage)."""
        result = self.call("RemovePurchaseInvoice", {"id": booking_id})
        return (_text(result, "Success").lower() == "true", _text(result, "ErrorId"),
                _text(result, "ErrorMessage"))

    # --- SOAP -------------------------------------------------------------------------------
    def call(self, action: str, params: Mapping[str, str]) -> etree._Element:
        """A call with a session, signing in (again) when needed."""
        if self._session is None:
            self.authenticate()
        try:
            return self._call(action, params)
        except _SessionExpired:
            self.authenticate()
            return self._call(action, params)

    def _call(self, action: str, params: Mapping[str, str],
              with_session: bool = True) -> etree._Element:
        response = self._post(action, self._envelope(action, params, with_session))
        body = self._parse(response)
        fault = body.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
        if fault is not None:
            message = "".join(fault.findtext("faultstring") or "")
            if SESSION_EXPIRED in message.lower():
                raise _SessionExpired(message)
            raise errors.soap_fault(message, self.dossier_name)
        if not response.is_success:
            raise errors.http_failure(response)
        result = body.find(f"{{{SOAP}}}Body/{{{NS}}}{action}Response/{{{NS}}}{action}Result")
        if result is None:
            raise errors.unexpected(f"{action}: no {action}Result")
        return result

    def _envelope(self, action: str, params: Mapping[str, str], with_session: bool) -> bytes:
        envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "a": NS})
        header = etree.SubElement(envelope, f"{{{SOAP}}}Header")
        if with_session and self._session:
            session = etree.SubElement(header, f"{{{NS}}}SessionHeader")
            etree.SubElement(session, f"{{{NS}}}SessionId").text = self._session
        call = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP}}}Body"), f"{{{NS}}}{action}")
        for name, value in params.items():
            etree.SubElement(call, f"{{{NS}}}{name}").text = value
        return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))

    def _post(self, action: str, envelope: bytes) -> httpx.Response:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS}/{action}"'}
        try:
            return self.http.post(self.connection.service_url, content=envelope, headers=headers)
        except httpx.TransportError as error:
            raise classify_transport_error(error) from error

    def _parse(self, response: httpx.Response) -> etree._Element:
        if response.status_code >= 500 and b"Fault" not in response.content:
            raise errors.http_failure(response)
        if response.status_code == 429:
            raise errors.http_failure(response)
        try:
            return etree.fromstring(response.content, PARSER)
        except etree.XMLSyntaxError as error:
            raise errors.unexpected(f"not XML: {error}") from error


class _SessionExpired(Exception):
    """The service forgot our session; sign in again."""


def _text(result: etree._Element, name: str) -> str:
    return (result.findtext(f"{{{NS}}}{name}") or "").strip()
