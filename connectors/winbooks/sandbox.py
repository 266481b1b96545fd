"""A local WinBooks on Web: the REST subset Doorstroom uses, on 127.0.0.1.

Paths follow WinBooks on Web's object-model routes (``/app/{OM}/{Code}/Folder/{Folder}``,
``/app/{OMS}/Folder/{Folder}/ExecuteCriteria``, ``POST /OAuth20/Token`` with the licence
e-mail as Basic credentials). The criteria body and the error body
(``{"ErrorCode", "Message"}``) are modelled: no public source gives their exact shape.
State per folder: book periods with their booking and VAT status, thirds, GL accounts and
transactions. ``/_sandbox/*`` controls play the office employee and inject faults.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
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

GL_ACCOUNTS = ("440000", "400000", "604000", "611000", "612000", "700000")


@dataclass
class PeriodState:
    """A book period: open for bookings, and whether its VAT period is still open."""

    closed: bool = False
    vat_closed: bool = False


@dataclass
class Folder:
    """One WinBooks dossier (folder) in the sandbox."""

    code: str
    name: str
    rights: bool = True
    periods: dict[tuple[int, int], PeriodState] = field(default_factory=dict)
    thirds: dict[str, dict[str, Any]] = field(default_factory=dict)
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
                   years: tuple[int, ...] = (2017, 2025, 2026, 2027)) -> Folder:
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


def _criteria(body: Any) -> dict[str, str]:
    """``{PropertyName: Value}`` of the equality criterions of an ExecuteCriteria body."""
    terms = body.get("Criterions", []) if isinstance(body, dict) else []
    return {str(t["PropertyName"]): str(t["Value"]) for t in terms
            if isinstance(t, dict) and t.get("Operator", 0) == 0 and "PropertyName" in t}


def _folder_or_error(state: WinBooksSandboxState, code: str) -> Folder | JSONResponse:
    folder = state.folders.get(code)
    if folder is None:
        return wow_error(404, "FOLDER_NOT_FOUND", f"Folder {code} not found")
    if not folder.rights:
        return wow_error(403, "FOLDER_ACCESS_DENIED", f"No access to folder {code}")
    return folder


def _add_api_routes(app: FastAPI, state: WinBooksSandboxState) -> None:
    @app.post("/app/{oms}/Folder/{folder_code}/ExecuteCriteria")
    async def criteria(request: Request, oms: str, folder_code: str) -> Response:
        if not _authorised(request, state):
            return wow_error(401, "UNAUTHORIZED", "Access token invalid")
        folder = _folder_or_error(state, folder_code)
        if isinstance(folder, JSONResponse):
            return folder
        rows = _collection(folder, oms)
        if rows is None:
            return wow_error(404, "UNKNOWN_OBJECT_MODEL", oms)
        wanted = _criteria(await request.json())
        return JSONResponse([row for row in rows
                             if all(str(row.get(k, "")) == v for k, v in wanted.items())])

    @app.api_route("/app/{om}/{code}/Folder/{folder_code}", methods=["GET", "POST", "DELETE"])
    async def one(request: Request, om: str, code: str, folder_code: str) -> Response:
        if not _authorised(request, state):
            return wow_error(401, "UNAUTHORIZED", "Access token invalid")
        folder = _folder_or_error(state, folder_code)
        if isinstance(folder, JSONResponse):
            return folder
        body = await request.json() if request.method == "POST" else None
        with state.lock:
            return _one(folder, request.method, om, code, body)


def _collection(folder: Folder, oms: str) -> list[dict[str, Any]] | None:
    if oms == "BookPeriods":
        return [{"RelatedYear": y, "RelatedMonth": m, "Code": f"{y}{m:02d}",
                 "Status": "Closed" if p.closed else "Open",
                 "VatStatus": "Closed" if p.vat_closed else "Open"}
                for (y, m), p in folder.periods.items()]
    if oms == "Thirds":
        return list(folder.thirds.values())
    if oms == "GLAccounts":
        return [{"Code": code} for code in GL_ACCOUNTS]
    if oms == "Vats":
        return [{"Code": code, "Rate": rate} for code, rate in (("21", 21), ("6", 6), ("0", 0))]
    if oms == "Journals":
        return [{"Code": "600", "Label": "Aankopen"}, {"Code": "700", "Label": "Verkopen"}]
    if oms == "GLTransHeaders":
        return [{k: v for k, v in t.items() if k != "GLTrans"}
                for t in folder.transactions.values()]
    return None


def _one(folder: Folder, method: str, om: str, code: str, body: Any) -> Response:
    store = {"Third": folder.thirds, "GLTransHeader": folder.transactions}.get(om)
    if store is None:
        return wow_error(404, "UNKNOWN_OBJECT_MODEL", om)
    if method == "GET":
        return JSONResponse(store[code]) if code in store else wow_error(404, "NOT_FOUND", code)
    if method == "DELETE":
        if code not in store:
            return wow_error(404, "NOT_FOUND", code)
        del store[code]
        return Response(status_code=204)
    if code in store:
        return wow_error(409, "ALREADY_EXISTS", f"{om} {code} already exists")
    if om == "GLTransHeader":
        refused = _refuse_transaction(folder, body)
        if refused is not None:
            return refused
    store[code] = {**body, "Code": code}
    return JSONResponse(store[code])


def _refuse_transaction(folder: Folder, body: dict[str, Any]) -> JSONResponse | None:
    header = str(body.get("BookPeriod", ""))
    codes = {header} | {str(line.get("BookPeriod") or header) for line in body.get("GLTrans", [])}
    for period_code in sorted(codes):
        try:
            period = folder.periods[(int(period_code[:4]), int(period_code[4:]))]
        except (KeyError, ValueError):
            return wow_error(400, "BOOK_PERIOD_MISSING", f"Book period {period_code} missing")
        if period.closed:
            return wow_error(400, "BOOK_PERIOD_CLOSED", f"Book period {period_code} is locked")
        if period.vat_closed:
            return wow_error(400, "VAT_PERIOD_CLOSED", f"No open VAT period for {period_code}")
    if body.get("Third") not in folder.thirds:
        return wow_error(400, "THIRD_MISSING", f"Unknown third {body.get('Third')}")
    if any(line.get("Account") not in GL_ACCOUNTS for line in body.get("GLTrans", [])):
        return wow_error(400, "ACCOUNT_MISSING", "Unknown GL account")
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
        """Codes of the folder's transactions."""
        return [str(transaction["Code"]) for transaction in self.state.transactions(code)]

    def close_period(self, code: str, year: int, month: int) -> None:
        """Close a book period."""
        self.state.set_period_closed(code, year, month, True)

    def reject_credentials(self) -> None:
        """Forget every token handed out."""
        self.state.exchange_tokens.clear()
        self.state.refresh_tokens.clear()
        self.state.access_tokens.clear()
