"""A local Adsolut ExchangeService (SOAP 1.1) on 127.0.0.1, as its help pages describe it.

It accepts only the published operations with their published parameters (anything else is
the fault an ASMX service answers), keeps the session in a cookie, reads import records as
``<invoice>`` with ``<blrela>`` and ``<blboekhpl>`` and refuses unknown fields per record, and
answers with the published result types (``OK_Records``/``NOK_Records`` of ``XmlRecordInfo``,
``Documenten`` of ``OpenDocumentItem``, ``ErrorId`` as an int). Like the real service it
imports the same invoice twice when asked twice: finding an earlier import is the caller's
job. ``/_sandbox/*`` controls play the office employee and inject faults.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import Response
from lxml import etree
from pydantic import SecretStr

from blocks.adsolut import AdsolutConnection
from connectors.adsolut.client import NS, PARSER, SOAP
from connectors.sandbox_faults import Fault, FaultInjector, FaultQueue, add_fault_routes
from connectors.sandbox_kit import Sandbox, SandboxState


@dataclass
class Database:
    """One Adsolut database (dossier)."""

    name: str
    open_periods: set[str] = field(default_factory=set)
    user_allowed: bool = True
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)


class AdsolutSandboxState(SandboxState):
    """The office's ExchangeService: one user, its databases and live sessions."""

    def __init__(self, user_name: str = "doorstroom", password: str = "demo-password") -> None:
        self.lock = threading.RLock()
        self.user_name = user_name
        self.password = password
        self.databases: dict[str, Database] = {}
        self.sessions: dict[str, str] = {}
        self.faults = FaultQueue()
        self._ids = itertools.count(1000)

    def add_database(self, name: str, years: tuple[int, ...] = (2018, 2025, 2026, 2027),
                     user_allowed: bool = True) -> None:
        """A database with every period of ``years`` open."""
        with self.lock:
            self.databases[name] = Database(
                name, {f"{y}{m:02d}" for y in years for m in range(1, 13)}, user_allowed)

    def allow_user(self, name: str) -> None:
        """The employee gives Doorstroom's user access to the database."""
        with self.lock:
            self.databases[name].user_allowed = True

    def set_period_open(self, name: str, period: str, is_open: bool) -> None:
        """The employee creates/reopens (or closes) a booking period."""
        with self.lock:
            (self.databases[name].open_periods.add if is_open
             else self.databases[name].open_periods.discard)(period)

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault."""
        self.faults.add(fault)

    def next_id(self) -> str:
        """Adsolut's id for a new booking."""
        return str(next(self._ids))

    def bookings(self, name: str) -> list[dict[str, Any]]:
        """The bookings imported into a database."""
        with self.lock:
            return list(self.databases[name].bookings.values())


OPERATIONS: dict[str, tuple[str, ...]] = {
    "AuthenticateUser": ("userName", "passWord", "database"),
    "ImportDivBookings": ("xml",),
    "ImportSalesInvoices": ("xml",),
    "GetOpenItems": ("relCode", "levCode"),
    "RemovePurchaseInvoice": ("purchaseInvoiceId",),
    "GetMasterData": ("kind",),  # modelled
}
"""Each operation and its parameters, as the service's help pages list them."""
HEADER_FIELDS = ("factuur", "factdat", "vervdat", "relaties_code", "codefcbd_codefcbd", "tebet",
                 "basis", "btwtebet", "boekjaar_boekjaar", "periode_periode", "dagboek_dagboek")
REQUIRED_HEADER = ("factuur", "relaties_code", "boekjaar_boekjaar", "periode_periode",
                   "dagboek_dagboek")
LINE_FIELDS = ("boekhpl_reknr", "bedrag", "codedc", "btwcodes_btwcode")
SESSION_COOKIE = "ASP.NET_SessionId"


def _element(tag: str, text: str | None = None) -> etree._Element:
    node = etree.Element(f"{{{NS}}}{tag}")
    node.text = text
    return node


def _envelope(action: str, result: etree._Element) -> Response:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    answer = etree.SubElement(body, f"{{{NS}}}{action}Response", nsmap={None: NS})
    result.tag = f"{{{NS}}}{action}Result"
    answer.append(result)
    return Response(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
                    media_type="text/xml; charset=utf-8")


def _fault(message: str, status: int = 500) -> Response:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Client" if status < 500 else "soap:Server"
    etree.SubElement(fault, "faultstring").text = message
    return Response(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
                    status_code=status, media_type="text/xml; charset=utf-8")


def _read_call(body: bytes, soap_action: str) -> tuple[str, dict[str, str]] | Response:
    """The operation and its parameters, or the fault ASMX answers to a bad request."""
    try:
        envelope = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError:
        return _fault("Server was unable to process request. Data at the root level is invalid.")
    call = envelope.find(f"{{{SOAP}}}Body/*")
    if call is None or etree.QName(call).namespace != NS:
        return _fault("Server did not recognize the value of HTTP Header SOAPAction.")
    action = etree.QName(call).localname
    if action not in OPERATIONS or soap_action.strip('"') != f"{NS}/{action}":
        return _fault(f"Server did not recognize the value of HTTP Header SOAPAction: "
                      f"{soap_action}.")
    params: dict[str, str] = {}
    for child in call:
        name = etree.QName(child)
        if name.namespace != NS or name.localname not in OPERATIONS[action]:
            return _fault(f"Server was unable to read request. Unexpected element "
                          f"<{name.localname}> in {action}.")
        params[name.localname] = child.text or ""
    return action, params


def create_app(state: AdsolutSandboxState) -> FaultInjector:
    """The sandbox's ASGI app over ``state``."""
    app = FastAPI(title="Adsolut ExchangeService sandbox", docs_url=None, redoc_url=None)

    @app.post("/ExchangeService.asmx")
    async def service(request: Request) -> Response:
        read = _read_call(await request.body(), request.headers.get("soapaction", ""))
        if isinstance(read, Response):
            return read
        action, params = read
        with state.lock:
            if action == "AuthenticateUser":
                return _authenticate(state, params)
            session = request.cookies.get(SESSION_COOKIE, "")
            database = state.databases.get(state.sessions.get(session, ""))
            if database is None:
                return _fault("Session expired or unknown: call AuthenticateUser first.")
            return _dispatch(state, database, action, params)

    _add_controls(app, state)
    add_fault_routes(app, state.faults)
    return FaultInjector(app, state.faults, lambda status, headers: Response(
        "Service Unavailable", status_code=status, headers=headers))


def _dispatch(state: AdsolutSandboxState, database: Database, action: str,
              params: dict[str, str]) -> Response:
    if action in ("ImportDivBookings", "ImportSalesInvoices"):
        return _import(state, database, action, params.get("xml", ""))
    if action == "GetOpenItems":
        return _envelope(action, _open_items(database, params))
    if action == "RemovePurchaseInvoice":
        return _remove(database, params.get("purchaseInvoiceId", ""))
    return _envelope(action, _master_items(database, params.get("kind", "")))


def _authenticate(state: AdsolutSandboxState, params: dict[str, str]) -> Response:
    """Success and a session cookie, or Success false with the reason (modelled)."""
    refusal = ""
    database = state.databases.get(params.get("database", ""))
    if (params.get("userName"), params.get("passWord")) != (state.user_name, state.password):
        refusal = "Aanmelding mislukt: ongeldige gebruiker of wachtwoord"
    elif database is None:
        refusal = f"Database {params.get('database')} bestaat niet"
    elif not database.user_allowed:
        refusal = f"Gebruiker {state.user_name} heeft geen toegang tot {database.name}"
    result = _element("Result")
    result.append(_element("Success", "false" if refusal else "true"))
    result.append(_element("ErrorMessage", refusal))
    answer = _envelope("AuthenticateUser", result)
    if not refusal:
        session = secrets.token_hex(12)
        state.sessions[session] = params["database"]
        answer.set_cookie(SESSION_COOKIE, session, httponly=True)
    return answer


def _record_errors(invoice: etree._Element) -> tuple[dict[str, str], list[dict[str, str]], str]:
    """The header and lines of one ``<invoice>``, and what is wrong with it ("" if nothing)."""
    headers = invoice.findall("blrela")
    lines = invoice.findall("blboekhpl")
    unknown = [child.tag for child in invoice if child.tag not in ("blrela", "blboekhpl")]
    if len(headers) != 1 or not lines or unknown:
        return {}, [], f"Ongeldige structuur: een blrela en minstens een blboekhpl ({unknown})"
    header = {child.tag: child.text or "" for child in headers[0]}
    rows = [{child.tag: child.text or "" for child in line} for line in lines]
    strange = ([name for name in header if name not in HEADER_FIELDS]
               + [name for row in rows for name in row if name not in LINE_FIELDS])
    if strange:
        return header, rows, f"Onbekend veld: {', '.join(sorted(set(strange)))}"
    missing = [name for name in REQUIRED_HEADER if not header.get(name)]
    if missing or any(row.get("codedc") not in ("D", "C") for row in rows):
        return header, rows, f"Verplicht veld ontbreekt: {', '.join(missing) or 'codedc'}"
    return header, rows, ""


def _import(state: AdsolutSandboxState, database: Database, action: str, xml: str) -> Response:
    try:
        root = etree.fromstring(xml.encode(), PARSER)
    except etree.XMLSyntaxError:
        return _result(action, False, "XML ongeldig", [], [])
    ok: list[dict[str, str]] = []
    nok: list[tuple[dict[str, str], str]] = []
    for invoice in root.findall("invoice"):
        header, rows, problem = _record_errors(invoice)
        period = header.get("boekjaar_boekjaar", "") + header.get("periode_periode", "")
        if not problem and period not in database.open_periods:
            problem = f"Geen open boekperiode gevonden voor periode {period}"
        if problem:
            nok.append((header, problem))
            continue
        booking_id = state.next_id()  # a second import of the same invoice books it again
        database.bookings[booking_id] = {**header, "id": booking_id, "lines": len(rows),
                                         "sales": str(action == "ImportSalesInvoices")}
        ok.append(database.bookings[booking_id])
    return _result(action, not nok and bool(ok), "" if ok or nok else "Geen records", ok, nok)


def _record_info(header: dict[str, str], errors: str = "") -> etree._Element:
    info = _element("XmlRecordInfo")
    keys = ["boekjaar", "dagboek", "factuur"] + (["id"] if "id" in header else [])
    values = [header.get("boekjaar_boekjaar", ""), header.get("dagboek_dagboek", ""),
              header.get("factuur", "")] + ([header["id"]] if "id" in header else [])
    for tag, text in (("Reference", header.get("factuur", "")), ("KeyFields", ";".join(keys)),
                      ("KeyValues", ";".join(values)), ("Errors", errors)):
        info.append(_element(tag, text))
    return info


def _result(action: str, success: bool, error: str, ok: list[dict[str, str]],
            nok: list[tuple[dict[str, str], str]]) -> Response:
    result = _element("Result")
    result.append(_element("Success", str(success).lower()))
    result.append(_element("Error", error))
    result.append(_element("ResultInfo", f"{len(ok)} OK, {len(nok)} NOK"))
    refused = _element("NOK_Records")
    for header, problem in nok:
        refused.append(_record_info(header, problem))
    accepted = _element("OK_Records")
    for booking in ok:
        accepted.append(_record_info(booking))
    result.extend([refused, accepted])
    return _envelope(action, result)


def _open_items(database: Database, params: dict[str, str]) -> etree._Element:
    """The open documents of a customer (relCode) or a supplier (levCode)."""
    rel, lev = params.get("relCode", ""), params.get("levCode", "")
    result = _element("Result")
    documents = _element("Documenten")
    saldo = 0.0
    for booking in database.bookings.values():
        sales = booking["sales"] == "True"
        if not ((sales and rel and booking["relaties_code"] == rel)
                or (not sales and lev and booking["relaties_code"] == lev)):
            continue
        item = _element("OpenDocumentItem")
        for tag, text in (("Boekjaar", booking["boekjaar_boekjaar"]),
                          ("Periode", booking["periode_periode"]),
                          ("Dagboek", booking["dagboek_dagboek"]),
                          ("DocumentNumber", booking["factuur"]),
                          ("DocumentDatum", booking.get("factdat", "")),
                          ("VervalDatum", booking.get("vervdat", "")),
                          ("Bedrag", booking.get("tebet", "0")), ("Munt", "EUR")):
            item.append(_element(tag, text))
        saldo += float(booking.get("tebet") or 0)
        documents.append(item)
    for tag, text in (("Success", "true"), ("ErrorMessage", ""), ("Saldo", f"{saldo:.2f}")):
        result.append(_element(tag, text))
    result.append(documents)
    return result


def _master_items(database: Database, kind: str) -> etree._Element:
    rows: list[tuple[str, str]] = {
        "relaties": sorted({(b.get("relaties_code", ""), "") for b in database.bookings.values()}),
        "rekeningen": [(c, "") for c in ("400000", "440000", "604000", "611000")],
        "btwcodes": [("21", "21%"), ("6", "6%"), ("0", "0%")],
        "dagboeken": [("600", "Aankopen"), ("700", "Verkopen")],
        "periodes": [(p, "") for p in sorted(database.open_periods)],
    }.get(kind, [])
    items = _element("Items")
    for code, name in rows:
        item = _element("Item")
        item.append(_element("Code", code))
        item.append(_element("Name", name))
        items.append(item)
    return items


def _remove(database: Database, purchase_invoice_id: str) -> Response:
    if not purchase_invoice_id.lstrip("-").isdigit():
        return _fault("Server was unable to read request. Input string was not in a correct "
                      "format.")
    result = _element("Result")
    booking = database.bookings.get(purchase_invoice_id)
    found = booking is not None and booking["sales"] != "True"
    if found:
        del database.bookings[purchase_invoice_id]
    result.append(_element("Success", str(found).lower()))
    result.append(_element("ErrorId", "0" if found else "1"))  # 1: modelled
    result.append(_element("ErrorMessage", "" if found else
                           f"Aankoopfactuur {purchase_invoice_id} niet gevonden"))
    result.append(_element("Data"))
    return _envelope("RemovePurchaseInvoice", result)


def _add_controls(app: FastAPI, state: AdsolutSandboxState) -> None:
    @app.post("/_sandbox/databases/{name}")
    def add_database(name: str) -> dict[str, str]:
        state.add_database(name)
        return {"database": name}

    @app.post("/_sandbox/databases/{name}/periods/{period}/open")
    def open_period(name: str, period: str) -> dict[str, str]:
        state.set_period_open(name, period, True)
        return {"database": name, "period": period, "open": "true"}

    @app.post("/_sandbox/databases/{name}/allow-user")
    def allow_user(name: str) -> dict[str, str]:
        state.allow_user(name)
        return {"database": name, "user_allowed": "true"}

    @app.get("/_sandbox/databases/{name}/bookings")
    def bookings(name: str) -> list[dict[str, Any]]:
        return state.bookings(name)


class AdsolutSandbox(Sandbox):
    """Adsolut databases behind one ExchangeService; blocked = the user has no access."""

    booking_call: ClassVar[dict[str, str]] = {"soap_action": "ImportDivBookings"}
    administration_prefix: ClassVar[str] = "DB"

    def new_state(self) -> AdsolutSandboxState:
        """A fresh sandbox state."""
        return AdsolutSandboxState()

    def app(self) -> FaultInjector:
        """The SOAP app."""
        return create_app(self.state)

    def connection(self, url: str) -> AdsolutConnection:
        """A connection with the sandbox's user."""
        return AdsolutConnection(service_url=f"{url}/ExchangeService.asmx",
                                 user_name=self.state.user_name,
                                 password=SecretStr(self.state.password))

    def add_administration(self, code: str, name: str, *, blocked: bool = False) -> None:
        """A database; blocked = the user may not use it."""
        self.state.add_database(code, user_allowed=not blocked)

    def unblock(self, code: str) -> None:
        """Give the user access."""
        self.state.allow_user(code)

    def bookings(self, code: str) -> list[str]:
        """The database's imported bookings, as the connector refers to them."""
        return [f"{b['relaties_code']}:{b['factuur']}:{b['id']}"
                for b in self.state.bookings(code)]

    def close_period(self, code: str, year: int, month: int) -> None:
        """Close a book period."""
        self.state.set_period_open(code, f"{year}{month:02d}", False)

    def reject_credentials(self) -> None:
        """The password changes."""
        self.state.password = "changed"
