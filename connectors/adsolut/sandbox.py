"""A local Adsolut ExchangeService (SOAP 1.1) on 127.0.0.1.

State per database: user and password, booking years with open or closed periods, imported
bookings (open items) by reference. Answers use Adsolut's result shape
(``Success / Error / ResultInfo / NOK_Records / OK_Records`` and per-record ``Errors``);
``/_sandbox/*`` controls play the office employee and inject faults.
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


def _element(tag: str, text: str | None = None) -> etree._Element:
    node = etree.Element(f"{{{NS}}}{tag}")
    node.text = text
    return node


def _envelope(action: str, result: etree._Element) -> Response:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, None: NS})
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    answer = etree.SubElement(body, f"{{{NS}}}{action}Response")
    result.tag = f"{{{NS}}}{action}Result"
    answer.append(result)
    return Response(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
                    media_type="text/xml; charset=utf-8")


def _fault(message: str, status: int = 500) -> Response:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Server"
    etree.SubElement(fault, "faultstring").text = message
    return Response(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
                    status_code=status, media_type="text/xml; charset=utf-8")


def create_app(state: AdsolutSandboxState) -> FaultInjector:
    """The sandbox's ASGI app over ``state``."""
    app = FastAPI(title="Adsolut ExchangeService sandbox", docs_url=None, redoc_url=None)

    @app.post("/ExchangeService.asmx")
    async def service(request: Request) -> Response:
        try:
            envelope = etree.fromstring(await request.body(), PARSER)
        except etree.XMLSyntaxError:
            return _fault("Request is not valid XML", 400)
        call = envelope.find(f"{{{SOAP}}}Body/*")
        if call is None:
            return _fault("No body", 400)
        action = etree.QName(call).localname
        params = {etree.QName(child).localname: child.text or "" for child in call}
        session = envelope.findtext(f"{{{SOAP}}}Header/{{{NS}}}SessionHeader/{{{NS}}}SessionId")
        with state.lock:
            return _dispatch(state, action, params, session)

    _add_controls(app, state)
    add_fault_routes(app, state.faults)
    return FaultInjector(app, state.faults, lambda status, headers: Response(
        "Service Unavailable", status_code=status, headers=headers))


def _dispatch(state: AdsolutSandboxState, action: str, params: dict[str, str],
              session: str | None) -> Response:
    if action == "AuthenticateUser":
        return _authenticate(state, params)
    database = state.databases.get(state.sessions.get(session or "", ""))
    if database is None:
        return _fault("Session expired or unknown")
    if action == "ImportDivBookings":
        return _import(state, database, params.get("xml", ""))
    if action == "GetOpenItems":
        result = _element("Items")
        for booking in database.bookings.values():
            if booking["referentie"] == params.get("reference"):
                result.append(_element("Id", booking["id"]))
        return _envelope(action, result)
    if action == "GetMasterData":
        return _envelope(action, _master_items(database, params.get("kind", "")))
    if action == "RemovePurchaseInvoice":
        return _remove(database, params.get("id", ""))
    return _fault(f"Unknown action {action}")


def _authenticate(state: AdsolutSandboxState, params: dict[str, str]) -> Response:
    if (params.get("userName"), params.get("passWord")) != (state.user_name, state.password):
        return _fault("Aanmelding mislukt: ongeldige gebruiker of wachtwoord")
    database = state.databases.get(params.get("database", ""))
    if database is None:
        return _fault(f"Database {params.get('database')} bestaat niet")
    if not database.user_allowed:
        return _fault(f"Gebruiker {state.user_name} heeft geen toegang tot {database.name}")
    session = secrets.token_hex(8)
    state.sessions[session] = params["database"]
    return _envelope("AuthenticateUser", _element("Session", session))


def _import(state: AdsolutSandboxState, database: Database, xml: str) -> Response:
    try:
        record = etree.fromstring(xml.encode(), PARSER)
    except etree.XMLSyntaxError:
        return _result("ImportDivBookings", False, "XML ongeldig", [], ["XML ongeldig"])
    fields = {child.tag: child.text or "" for child in record if child.tag != "blboekhpl"}
    period = fields.get("boekjaar_boekjaar", "") + fields.get("periode_periode", "")
    existing = [b for b in database.bookings.values()
                if b["referentie"] == fields.get("referentie")]
    if existing:
        return _result("ImportDivBookings", True, "", [existing[0]["id"]], [])
    if period not in database.open_periods:
        return _result("ImportDivBookings", False, "1 record geweigerd", [],
                       [f"Geen open boekperiode gevonden voor periode {period}"])
    booking_id = state.next_id()
    database.bookings[booking_id] = {**fields, "id": booking_id,
                                     "lines": len(record.findall("blboekhpl"))}
    return _result("ImportDivBookings", True, "", [booking_id], [])


def _result(action: str, success: bool, error: str, ok_ids: list[str],
            record_errors: list[str]) -> Response:
    result = _element("Result")
    result.append(_element("Success", str(success).lower()))
    result.append(_element("Error", error))
    result.append(_element("ResultInfo", f"{len(ok_ids)} OK, {len(record_errors)} NOK"))
    result.append(_element("NOK_Records", str(len(record_errors))))
    result.append(_element("OK_Records", str(len(ok_ids))))
    records = _element("Records")
    for booking_id in ok_ids:
        entry = _element("Record")
        entry.append(_element("Id", booking_id))
        records.append(entry)
    if record_errors:
        entry = _element("Record")
        errors = _element("Errors")
        for message in record_errors:
            errors.append(_element("string", message))
        entry.append(errors)
        records.append(entry)
    result.append(records)
    return _envelope(action, result)


def _master_items(database: Database, kind: str) -> etree._Element:
    rows: list[tuple[str, str]] = {
        "relaties": sorted({(b.get("relatie_btwnummer") or b.get("relatie_naam", ""),
                             b.get("relatie_naam", "")) for b in database.bookings.values()}),
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


def _remove(database: Database, booking_id: str) -> Response:
    result = _element("Result")
    found = database.bookings.pop(booking_id, None) is not None
    result.append(_element("Success", str(found).lower()))
    result.append(_element("ErrorId", "" if found else "NOT_FOUND"))
    result.append(_element("ErrorMessage", "" if found else f"Factuur {booking_id} onbekend"))
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
        """Ids of the database's imported bookings."""
        return [str(booking["id"]) for booking in self.state.bookings(code)]

    def close_period(self, code: str, year: int, month: int) -> None:
        """Close a book period."""
        self.state.set_period_open(code, f"{year}{month:02d}", False)

    def reject_credentials(self) -> None:
        """The password changes."""
        self.state.password = "changed"
