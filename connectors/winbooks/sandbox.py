"""A local WinBooks on Web: the REST subset Doorstroom uses, on 127.0.0.1.

Routes as WinBooks on Web's DEV pages give them: ``/app/{OM}/{Code or Id}/Folder/{Folder}``,
``POST /app/{OMS}/Folder/{Folder}`` (a list of objects), ``/app/{OMS}/Folder/{Folder}/
ExecuteCriteria`` with ``Conditions`` (operators 0 equal, 7 in, 21 not), ``Orders``,
``FirstResult``/``MaxResult`` and ``ContinuePath`` paging, ``POST /OAuth20/Token`` with the
licence e-mail as Basic credentials. Like the real server it ignores body keys it does not
know — a criteria body without ``Conditions`` selects every row. Transactions are
``GLTransHeader``s with ``GLTransactions``, kept and addressed by their ``Id``; lines must add
up to zero and sit in the header's book period. Modelled: the error body
(``{"ErrorCode", "Message"}``), the add's answer (``Id`` and ``Href``), the book periods'
``Status``/``VatStatus``. ``/_sandbox/*`` controls play the office employee and inject faults.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, SecretStr

from blocks.winbooks import WinBooksConnection
from connectors.sandbox_faults import (
    Fault,
    FaultInjector,
    FaultQueue,
    Flag,
    add_fault_routes,
)
from connectors.sandbox_kit import Sandbox, SandboxState

GL_ACCOUNTS = ("400000", "411000", "440000", "451000", "604000", "611000", "612000", "700000")
JOURNALS = {"600": "Aankopen", "700": "Verkopen"}
PAGE = 100
"""Rows per answer; more follow through ``ContinuePath``."""
TRANSACTION_TYPE = "Winbooks.TORM.OM.Accounting.GLTransHeader, Winbooks.TORM.OM"


@dataclass
class PeriodState:
    """A book period: open for bookings, and whether its VAT period is still open."""

    closed: bool = False
    vat_closed: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Folder:
    """One WinBooks dossier (folder) in the sandbox."""

    code: str
    name: str
    rights: bool = True
    periods: dict[tuple[int, int], PeriodState] = field(default_factory=dict)
    parties: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"Supplier": {}, "Customer": {}})
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)


class WinBooksSandboxState(SandboxState):
    """Everything the sandbox remembers; thread-safe, reachable from tests directly."""

    def __init__(self, email: str = "doorstroom@example.be",
                 token_lifetime: int = 3600) -> None:
        self.lock = threading.RLock()
        self.email = email
        self.exchange_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.access_tokens: dict[str, float] = {}
        self.token_lifetime = token_lifetime
        self.folders: dict[str, Folder] = {}
        self.faults = FaultQueue()

    def issue_exchange_token(self) -> str:
        """An exchange token, as granting the licence access would give."""
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.exchange_tokens.add(token)
        return token

    def add_folder(self, code: str, name: str, *, rights: bool = True,
                   years: tuple[int, ...] = (2017, 2018, 2025, 2026, 2027)) -> Folder:
        """A folder with twelve open book periods per year."""
        folder = Folder(code=code, name=name, rights=rights)
        folder.periods = {(y, m): PeriodState() for y in years for m in range(1, 13)}
        with self.lock:
            self.folders[code] = folder
        return folder

    def set_rights(self, code: str, granted: bool) -> None:
        """Give (or take) the licence access to a folder."""
        with self.lock:
            self.folders[code].rights = granted

    def set_vat_closed(self, code: str, year: int, month: int, closed: bool) -> None:
        """The office closes or reopens the VAT period of a book period."""
        with self.lock:
            self.folders[code].periods[(year, month)].vat_closed = closed

    def set_period_closed(self, code: str, year: int, month: int, closed: bool) -> None:
        """The office closes or reopens a book period."""
        with self.lock:
            self.folders[code].periods[(year, month)].closed = closed

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault."""
        self.faults.add(fault)

    def transactions(self, code: str) -> list[dict[str, Any]]:
        """All transactions booked in a folder."""
        with self.lock:
            return list(self.folders[code].transactions.values())


def wow_error(status: int, code: str, message: str,
              headers: dict[str, str] | None = None) -> JSONResponse:
    """An error answer in the (modelled) WinBooks on Web shape."""
    return JSONResponse({"ErrorCode": code, "Message": message}, status_code=status,
                        headers=headers)


def create_app(state: WinBooksSandboxState) -> FaultInjector:
    """The sandbox's ASGI app over ``state``."""
    app = FastAPI(title="WinBooks on Web sandbox", docs_url=None, redoc_url=None)
    _add_token_route(app, state)
    _add_api_routes(app, state)
    _add_control_routes(app, state)
    add_fault_routes(app, state.faults)
    return FaultInjector(app, state.faults, _unavailable)


def _unavailable(status: int, headers: dict[str, str]) -> Response:
    return wow_error(status, "SERVICE_UNAVAILABLE", "Service unavailable", headers)


def _add_token_route(app: FastAPI, state: WinBooksSandboxState) -> None:
    @app.post("/OAuth20/Token")
    async def token(request: Request) -> Response:
        basic = request.headers.get("Authorization", "").removeprefix("Basic ")
        try:
            email = base64.b64decode(basic).decode()
        except ValueError:
            email = ""
        form = await request.form()
        grant, code = str(form.get("grant_type", "")), str(form.get("code", ""))
        pool = {"exchange_token": state.exchange_tokens,
                "refresh_token": state.refresh_tokens}.get(grant)
        with state.lock:
            if email != state.email or pool is None or code not in pool:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if grant == "refresh_token":
                pool.discard(code)
            access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
            state.access_tokens[access] = time.time() + state.token_lifetime
            state.refresh_tokens.add(refresh)
        return JSONResponse({"access_token": access, "refresh_token": refresh,
                             "token_type": "bearer", "expires_in": state.token_lifetime})


def _authorised(request: Request, state: WinBooksSandboxState) -> bool:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    with state.lock:
        return state.access_tokens.get(token, 0.0) > time.time()


def _folder_or_error(state: WinBooksSandboxState, code: str) -> Folder | JSONResponse:
    folder = state.folders.get(code)
    if folder is None:
        return wow_error(404, "FOLDER_NOT_FOUND", f"Folder {code} not found")
    if not folder.rights:
        return wow_error(403, "FOLDER_ACCESS_DENIED", f"No access to folder {code}")
    return folder


def _matches(row: dict[str, Any], condition: Any) -> bool:
    """Whether a row meets one condition (equal, in, not); others are refused earlier."""
    operator, values = condition.get("Operator", 0), condition.get("Values") or []
    if operator == 21:
        return not all(_matches(row, inner) for inner in values)
    value = row.get(str(condition.get("PropertyName", "")))
    if operator == 7:
        return str(value) in {str(v) for v in values}
    return bool(values) and str(value) == str(values[0])


def _select(rows: list[dict[str, Any]], body: Any) -> list[dict[str, Any]] | JSONResponse:
    """ExecuteCriteria over ``rows``; keys the server does not know are ignored."""
    body = body if isinstance(body, dict) else {}
    conditions = [c for c in body.get("Conditions") or [] if isinstance(c, dict)]
    if any(c.get("Operator", 0) not in (0, 7, 21) for c in conditions):
        return wow_error(400, "OPERATOR_NOT_SUPPORTED", "operator not supported here")
    chosen = [row for row in rows if all(_matches(row, c) for c in conditions)]
    for order in reversed(body.get("Orders") or []):
        name = str(order.get("PropertyName", ""))
        chosen.sort(key=lambda row: (row.get(name) is None, row.get(name)),
                    reverse=not order.get("Ascending", True))
    first = int(body.get("FirstResult") or 0)
    most = body.get("MaxResult")
    return chosen[first:first + int(most)] if most else chosen[first:]


def _add_api_routes(app: FastAPI, state: WinBooksSandboxState) -> None:
    async def folder_for(request: Request, folder_code: str) -> Folder | JSONResponse:
        if not _authorised(request, state):
            return wow_error(401, "UNAUTHORIZED", "Access token invalid")
        return _folder_or_error(state, folder_code)

    @app.post("/app/{oms}/Folder/{folder_code}/ExecuteCriteria")
    async def criteria(request: Request, oms: str, folder_code: str) -> Response:
        folder = await folder_for(request, folder_code)
        if isinstance(folder, JSONResponse):
            return folder
        with state.lock:
            rows = _collection(folder, oms)
        if rows is None:
            return wow_error(404, "UNKNOWN_OBJECT_MODEL", oms)
        chosen = _select(rows, await request.json())
        if isinstance(chosen, JSONResponse):
            return chosen
        offset = int(request.headers.get("ContinuePath") or 0)
        page = chosen[offset:offset + PAGE]
        more = {"ContinuePath": str(offset + PAGE)} if len(chosen) > offset + PAGE else {}
        return JSONResponse(page, headers=more)

    @app.post("/app/{oms}/Folder/{folder_code}")
    async def add_many(request: Request, oms: str, folder_code: str) -> Response:
        folder = await folder_for(request, folder_code)
        if isinstance(folder, JSONResponse):
            return folder
        if oms != "GLTransHeaders":
            return wow_error(404, "UNKNOWN_OBJECT_MODEL", oms)
        body = await request.json()
        if not isinstance(body, list):
            return wow_error(400, "BAD_REQUEST", "a list of objects is expected")
        with state.lock:
            return _add_transactions(folder, body, str(request.base_url).rstrip("/"))

    @app.api_route("/app/{om}/{key}/Folder/{folder_code}", methods=["GET", "POST", "DELETE"])
    async def one(request: Request, om: str, key: str, folder_code: str) -> Response:
        folder = await folder_for(request, folder_code)
        if isinstance(folder, JSONResponse):
            return folder
        body = await request.json() if request.method == "POST" else None
        with state.lock:
            return _one(folder, request.method, om, key, body)


def _collection(folder: Folder, oms: str) -> list[dict[str, Any]] | None:
    if oms == "BookPeriods":
        return [row for (y, m), p in sorted(folder.periods.items())
                for row in _period_rows(y, m, p)]
    if oms in ("Suppliers", "Customers"):
        return list(folder.parties[oms[:-1]].values())
    if oms == "GLAccounts":
        return [{"Code": code} for code in GL_ACCOUNTS]
    if oms == "Vats":
        return [{"Code": code, "Rate": rate} for code, rate in (("21", 21), ("6", 6), ("0", 0))]
    if oms == "Journals":
        return [{"Code": code, "Label": label} for code, label in JOURNALS.items()]
    if oms == "GLTransHeaders":
        return [{k: v for k, v in t.items() if k != "GLTransactions"}
                for t in folder.transactions.values()]
    if oms == "GLTranss":
        return [line for t in folder.transactions.values() for line in t["GLTransactions"]]
    return None


def _period_rows(year: int, month: int, period: PeriodState) -> list[dict[str, Any]]:
    """A month's book period; January also has the opening period (Number 0) of its year."""
    row = {"Id": period.id, "RelatedYear": year, "RelatedMonth": month, "Number": month,
           "Code": f"{year}{month:02d}", "Status": "Closed" if period.closed else "Open",
           "VatStatus": "Closed" if period.vat_closed else "Open"}
    opening = {**row, "Id": f"{period.id}-opening", "Number": 0, "Code": f"{year}00"}
    return [opening, row] if month == 1 else [row]


def _one(folder: Folder, method: str, om: str, key: str, body: Any) -> Response:
    if om == "GLTransHeader":
        if method == "POST":
            return wow_error(405, "METHOD_NOT_ALLOWED", "add transactions as a list")
        found = folder.transactions.get(key)
        if found is None:
            return wow_error(404, "NOT_FOUND", key)
        if method == "DELETE":
            del folder.transactions[key]
            return Response(status_code=204)
        return JSONResponse(found)
    store = folder.parties.get(om)
    if store is None:
        return wow_error(404, "UNKNOWN_OBJECT_MODEL", om)
    if method == "GET":
        return JSONResponse(store[key]) if key in store else wow_error(404, "NOT_FOUND", key)
    if method == "DELETE":
        return (Response(status_code=204) if store.pop(key, None)
                else wow_error(404, "NOT_FOUND", key))
    if key in store:
        return wow_error(409, "ALREADY_EXISTS", f"{om} {key} already exists")
    third = (body or {}).get("Third")
    if not isinstance(third, dict) or not third.get("Name"):
        return wow_error(400, "THIRD_MISSING", f"A {om} is created with its Third (Name)")
    store[key] = {**body, "Code": key, "Id": str(uuid.uuid4())}
    return JSONResponse(store[key])


def _period_by_id(folder: Folder, period_id: str) -> tuple[str, PeriodState] | None:
    for (year, month), period in folder.periods.items():
        if period.id == period_id:
            return f"{year}{month:02d}", period
    return None


def _add_transactions(folder: Folder, headers: list[Any], base: str) -> Response:
    made = []
    for header in headers:
        refused = _refuse_transaction(folder, header)
        if refused is not None:
            return refused
        transaction_id = str(uuid.uuid4())
        lines = [{**line, "GLTransHeader_Id": transaction_id,
                  "Supplier_Id": _party_id(folder, "Supplier", line.get("SupplierCode")),
                  "Customer_Id": _party_id(folder, "Customer", line.get("CustomerCode"))}
                 for line in header["GLTransactions"]]
        folder.transactions[transaction_id] = {**header, "Id": transaction_id,
                                               "GLTransactions": lines}
        made.append({"Id": transaction_id,
                     "Href": f"{base}/app/GLTransHeader/{transaction_id}/Folder/{folder.code}"})
    return JSONResponse(made, status_code=201)


def _party_id(folder: Folder, om: str, code: Any) -> str | None:
    party = folder.parties[om].get(str(code)) if code else None
    return None if party is None else str(party["Id"])


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _refuse_transaction(folder: Folder, header: Any) -> JSONResponse | None:
    """What WinBooks would refuse in a transaction, as an error answer; None if it is fine."""
    if not isinstance(header, dict) or header.get("$type") != TRANSACTION_TYPE:
        return wow_error(400, "BAD_TYPE", "a GLTransHeader is expected")
    lines = header.get("GLTransactions")
    if not isinstance(lines, list) or not lines:
        return wow_error(400, "NO_TRANSACTIONS", "GLTransactions is missing or empty")
    found = _period_by_id(folder, str(header.get("BookPeriod_Id")))
    if found is None:
        return wow_error(400, "BOOK_PERIOD_MISSING", "BookPeriod_Id is missing or unknown")
    code, period = found
    if period.closed:
        return wow_error(400, "BOOK_PERIOD_CLOSED", f"Book period {code} is locked")
    vat_periods = [found] + [_period_by_id(folder, str(line["VatPeriod_Id"]))
                             for line in lines if line.get("VatPeriod_Id")]
    closed = [known[0] if known else "?" for known in vat_periods
              if known is None or known[1].vat_closed]
    if closed:
        return wow_error(400, "VAT_PERIOD_CLOSED", f"No open VAT period for {', '.join(closed)}")
    if header.get("JournalCode") not in JOURNALS:
        return wow_error(400, "JOURNAL_MISSING", f"Unknown journal {header.get('JournalCode')}")
    return _refuse_lines(folder, header, lines)


def _refuse_lines(folder: Folder, header: dict[str, Any],
                  lines: list[Any]) -> JSONResponse | None:
    taken = {(t["JournalCode"], t["DocNumber"]) for t in folder.transactions.values()}
    if (header["JournalCode"], header.get("DocNumber")) in taken:
        return wow_error(400, "DOCNUMBER_USED", f"DocNumber {header.get('DocNumber')} is used")
    first = next((line for line in lines if line.get("LineOrder") == 0), None)
    if first is None or not (_party_id(folder, "Supplier", first.get("SupplierCode"))
                             or _party_id(folder, "Customer", first.get("CustomerCode"))):
        return wow_error(400, "THIRD_MISSING", "line 0 must be on a known supplier or customer")
    if any(line.get("BookPeriod_Id", header["BookPeriod_Id"]) != header["BookPeriod_Id"]
           for line in lines):
        return wow_error(400, "BOOK_PERIOD_MISMATCH", "every line is in the header's period")
    if any(line.get("GLAccountCode") not in GL_ACCOUNTS for line in lines):
        return wow_error(400, "ACCOUNT_MISSING", "Unknown GL account")
    amounts = [_amount(line.get("Amount")) for line in lines]
    if any(a is None for a in amounts) or sum(a for a in amounts if a is not None) != 0:
        return wow_error(400, "NOT_BALANCED", "the lines do not add up to zero")
    return None


class FolderIn(BaseModel):
    """Control payload: create a folder."""

    code: str
    name: str
    rights: bool = True


def _add_control_routes(app: FastAPI, state: WinBooksSandboxState) -> None:
    @app.post("/_sandbox/folders")
    def add_folder(payload: FolderIn) -> dict[str, str]:
        state.add_folder(payload.code, payload.name, rights=payload.rights)
        return {"code": payload.code}

    @app.post("/_sandbox/exchange-tokens")
    def exchange_token() -> dict[str, str]:
        return {"exchange_token": state.issue_exchange_token()}

    @app.post("/_sandbox/folders/{code}/rights")
    def rights(code: str, payload: Flag) -> dict[str, Any]:
        state.set_rights(code, payload.value)
        return {"code": code, "rights": payload.value}

    @app.post("/_sandbox/folders/{code}/periods/{year}/{month}/vat-closed")
    def vat_closed(code: str, year: int, month: int, payload: Flag) -> dict[str, Any]:
        state.set_vat_closed(code, year, month, payload.value)
        return {"code": code, "period": f"{year}{month:02d}", "vat_closed": payload.value}


    @app.get("/_sandbox/folders/{code}/transactions")
    def transactions(code: str) -> list[dict[str, Any]]:
        return state.transactions(code)


class WinBooksSandbox(Sandbox):
    """WinBooks on Web folders behind one licence; blocked = the licence lacks folder rights."""

    booking_call: ClassVar[dict[str, str]] = {"method": "POST", "path_contains": "GLTransHeader"}
    administration_prefix: ClassVar[str] = "F"

    def new_state(self) -> WinBooksSandboxState:
        """A fresh sandbox state."""
        return WinBooksSandboxState()

    def app(self) -> FaultInjector:
        """The REST app."""
        return create_app(self.state)

    def connection(self, url: str) -> WinBooksConnection:
        """A connection with a fresh exchange token from this sandbox."""
        return WinBooksConnection(base_url=url, email=self.state.email,
                                  exchange_token=SecretStr(self.state.issue_exchange_token()))

    def add_administration(self, code: str, name: str, *, blocked: bool = False) -> None:
        """A folder; blocked = no rights for the licence."""
        self.state.add_folder(code, name, rights=not blocked)

    def unblock(self, code: str) -> None:
        """Grant the folder rights."""
        self.state.set_rights(code, True)

    def bookings(self, code: str) -> list[str]:
        """``Id``s of the folder's transactions."""
        return [str(transaction["Id"]) for transaction in self.state.transactions(code)]

    def close_period(self, code: str, year: int, month: int) -> None:
        """Close a book period."""
        self.state.set_period_closed(code, year, month, True)

    def reject_credentials(self) -> None:
        """Forget every token handed out."""
        self.state.exchange_tokens.clear()
        self.state.refresh_tokens.clear()
        self.state.access_tokens.clear()
