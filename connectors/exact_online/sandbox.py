"""A local Exact Online: the REST/OData subset Doorstroom uses, on 127.0.0.1.

It keeps state (divisions, user rights, financial periods, accounts, GL accounts, entries,
documents), answers with Exact's shapes (``{"d": {"results": [...]}}``, errors as
``{"error": {"code": "", "message": {"lang": "", "value": ...}}}`` with a ``Reason`` header,
``X-RateLimit-*`` headers), and has ``/_sandbox/*`` controls that play the office employee
(grant rights, open a period) and inject faults (latency, 429, 5xx, dropped connections).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, SecretStr

from blocks.exact_online import ExactOnlineConnection
from connectors.sandbox_faults import (
    Fault,
    FaultInjector,
    FaultQueue,
    Flag,
    add_fault_routes,
)
from connectors.sandbox_kit import Sandbox, SandboxState

ODATA_FILTER_TERM = re.compile(
    r"(\w+) (eq|le|ge|lt|gt) (guid'[^']*'|datetime'[^']*'|'(?:[^']|'')*'|-?\d+)")
COMPARE = {"eq": lambda a, b: a == b, "le": lambda a, b: a <= b, "ge": lambda a, b: a >= b,
           "lt": lambda a, b: a < b, "gt": lambda a, b: a > b}


def odata_date(day: date) -> str:
    """Exact's JSON date form: ``/Date(<epoch ms>)/``."""
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)})/"


def _literal(raw: str) -> str:
    if raw.startswith("guid'"):
        return raw[5:-1]
    if raw.startswith("datetime'"):
        return raw[9:-1]
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    return raw


def filter_terms(expression: str) -> list[tuple[str, str, str]]:
    """The ``Field op value`` terms of an ``and``-joined ``$filter``, values unquoted."""
    return [(name, op, _literal(raw))
            for name, op, raw in ODATA_FILTER_TERM.findall(expression or "")]


def parse_filter(expression: str) -> dict[str, str]:
    """The ``Field eq value`` terms of an ``and``-joined ``$filter``, values unquoted."""
    return {name: value for name, op, value in filter_terms(expression) if op == "eq"}


def meets(row: dict[str, Any], terms: list[tuple[str, str, str]]) -> bool:
    """Whether a row meets every term; dates compare as ISO dates."""
    for name, op, value in terms:
        have = row.get(name, "")
        if isinstance(have, date):
            if not COMPARE[op](have, date.fromisoformat(value[:10])):
                return False
        elif not COMPARE[op](str(have), value):
            return False
    return True


@dataclass
class Period:
    """A financial period of a division; ``closed`` rejects entries dated inside it."""

    year: int
    number: int
    start: date
    end: date
    closed: bool = False


@dataclass
class Division:
    """One administration (dossier) in the sandbox."""

    code: int
    name: str
    rights: bool = True
    blocked: bool = False
    periods: dict[tuple[int, int], Period] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    gl_accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)


DEFAULT_GL_ACCOUNTS = {
    "400000": "Leveranciers",
    "400100": "Klanten",
    "604000": "Aankopen handelsgoederen",
    "611000": "Huur",
    "612000": "Kantoorbenodigdheden",
    "700000": "Verkopen",
}


DEFAULT_VAT_CODES = {"21 ": "BTW 21%", "12 ": "BTW 12%", "6  ": "BTW 6%", "0  ": "BTW 0%"}
"""Exact's VAT codes are three characters, space-padded."""
DEFAULT_JOURNALS = {"600": "Aankopen", "700": "Verkopen"}


class ExactSandboxState(SandboxState):
    """Everything the sandbox remembers; thread-safe, reachable from tests directly."""

    def __init__(self, client_id: str = "doorstroom-demo", client_secret: str = "demo-secret",
                 minutely_limit: int = 100_000, daily_limit: int = 1_000_000,
                 token_lifetime: int = 600) -> None:
        self.lock = threading.RLock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_tokens: dict[str, str] = {}  # refresh token → grant
        self.access_tokens: dict[str, tuple[float, str]] = {}  # access token → expiry, grant
        self.token_lifetime = token_lifetime
        self.divisions: dict[int, Division] = {}
        self.faults = FaultQueue()
        self.minutely_limit = minutely_limit
        self.daily_limit = daily_limit
        self.calls: dict[str, list[float]] = {}  # division → call times of the last minute
        self.daily_calls: dict[str, int] = {}
        self.http_429 = 0  # answered by the rate limiter (injected ones: faults.http_429)
        self.errors: dict[tuple[int, str], list[float]] = {}  # (division, endpoint) → times
        self.errors_per_hour = 10
        """More error answers than this per division and endpoint in an hour block the key
        for that endpoint (Exact's fair-use rule; the block's answer is modelled)."""

    # --- setup used by tests, the demo and the controls ---------------------------------
    def issue_refresh_token(self) -> str:
        """A new valid refresh token, as the OAuth consent flow would give."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.refresh_tokens[token] = secrets.token_hex(8)
        return token

    def add_division(self, code: int, name: str, *, rights: bool = True,
                     years: tuple[int, ...] = (2025, 2026, 2027),
                     first_month: int = 1) -> Division:
        """A division with twelve monthly periods per financial year and the default GL
        accounts; a financial year starting in ``first_month`` carries the number of the
        calendar year it starts in (not every office's year is the calendar year)."""
        division = Division(code=code, name=name, rights=rights)
        for year in years:
            for number in range(1, 13):
                month0 = first_month - 1 + number - 1
                start = date(year + month0 // 12, month0 % 12 + 1, 1)
                after = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
                division.periods[(year, number)] = Period(
                    year, number, start, date.fromordinal(after.toordinal() - 1))
        for code_, label in DEFAULT_GL_ACCOUNTS.items():
            division.gl_accounts[code_] = {"ID": str(uuid.uuid4()), "Code": code_,
                                           "Description": label}
        with self.lock:
            self.divisions[code] = division
        return division

    def set_rights(self, code: int, granted: bool) -> None:
        """The office employee grants (or revokes) the Doorstroom user's rights."""
        with self.lock:
            self.divisions[code].rights = granted

    def set_period_closed(self, code: int, year: int, period: int, closed: bool) -> None:
        """The office employee closes or reopens a financial period."""
        with self.lock:
            self.divisions[code].periods[(year, period)].closed = closed

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault; the first matching request consumes one of its ``times``."""
        self.faults.add(fault)

    def entries(self, code: int) -> list[dict[str, Any]]:
        """All entries booked in a division (purchase and sales)."""
        with self.lock:
            return list(self.divisions[code].entries.values())

    # --- request-time helpers ---------------------------------------------------------------
    def blocked(self, division: int, endpoint: str) -> bool:
        """Whether this endpoint answered too many errors on this division in the last hour."""
        now = time.time()
        with self.lock:
            recent = [t for t in self.errors.get((division, endpoint), []) if t > now - 3600]
            self.errors[(division, endpoint)] = recent
            return len(recent) > self.errors_per_hour

    def count_error(self, division: int, endpoint: str) -> None:
        """Record an error answer (400/401/403/404) of an endpoint on a division."""
        with self.lock:
            self.errors.setdefault((division, endpoint), []).append(time.time())

    def count_call(self, division: str) -> tuple[int, int, float]:
        """Record a call on a division (Exact counts per division, in a sliding minute);
        return minutely remaining, daily remaining, minute reset (s)."""
        now = time.time()
        with self.lock:
            calls = [t for t in self.calls.get(division, []) if t > now - 60]
            calls.append(now)
            self.calls[division] = calls
            self.daily_calls[division] = self.daily_calls.get(division, 0) + 1
            return (self.minutely_limit - len(calls),
                    self.daily_limit - self.daily_calls[division], calls[0] + 60)


def exact_error(status: int, message: str, reason: str | None = None,
                headers: dict[str, str] | None = None) -> JSONResponse:
    """An error answer in Exact Online's own body shape."""
    body = {"error": {"code": "", "message": {"lang": "", "value": message}}}
    all_headers = dict(headers or {})
    if reason:
        all_headers["Reason"] = reason
    return JSONResponse(body, status_code=status, headers=all_headers)


def results(rows: list[dict[str, Any]]) -> JSONResponse:
    """A collection answer: ``{"d": {"results": [...]}}``."""
    return JSONResponse({"d": {"results": rows}})


def created(row: dict[str, Any]) -> JSONResponse:
    """A POST answer: 201 with ``{"d": {...}}``."""
    return JSONResponse({"d": row}, status_code=201)


def create_app(state: ExactSandboxState) -> FaultInjector:
    """The sandbox's ASGI app over ``state``."""
    app = FastAPI(title="Exact Online sandbox", docs_url=None, redoc_url=None)
    _add_rate_limit_middleware(app, state)
    _add_oauth_routes(app, state)
    _add_api_routes(app, state)
    _add_control_routes(app, state)
    add_fault_routes(app, state.faults)
    return FaultInjector(app, state.faults, _unavailable)


def _unavailable(status: int, headers: dict[str, str]) -> Response:
    return exact_error(status, "Service unavailable", headers=headers)


def _add_rate_limit_middleware(app: FastAPI, state: ExactSandboxState) -> None:
    @app.middleware("http")
    async def rate_limits(request: Request, call_next: Any) -> Response:
        if not request.url.path.startswith("/api/v1"):
            return await call_next(request)  # type: ignore[no-any-return]
        minutely, daily, reset = state.count_call(request.url.path.split("/")[3])
        limit_headers = {
            "X-RateLimit-Limit": str(state.daily_limit),
            "X-RateLimit-Remaining": str(max(daily, 0)),
            "X-RateLimit-Reset": str(int((time.time() + 86400) * 1000)),
            "X-RateLimit-Minutely-Limit": str(state.minutely_limit),
            "X-RateLimit-Minutely-Remaining": str(max(minutely, 0)),
            "X-RateLimit-Minutely-Reset": str(int(reset * 1000)),
        }
        if minutely < 0 or daily < 0:
            state.http_429 += 1
            return Response(status_code=429, headers=limit_headers)
        response: Response = await call_next(request)
        response.headers.update(limit_headers)
        return response


def _add_oauth_routes(app: FastAPI, state: ExactSandboxState) -> None:
    @app.post("/api/oauth2/token")
    async def token(request: Request) -> Response:
        form = await request.form()
        if form.get("client_id") != state.client_id or (
            form.get("client_secret") != state.client_secret
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        if form.get("grant_type") != "refresh_token":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        old = str(form.get("refresh_token", ""))
        now = time.time()
        with state.lock:
            grant = state.refresh_tokens.get(old)
            if grant is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            live = [exp for exp, g in state.access_tokens.values() if g == grant and exp - now > 30]
            if live:
                return JSONResponse(
                    {"error": "access_denied",
                     "error_description": "Rate limit exceeded: access_token not expired"},
                    status_code=400, headers={"Reason": "TooEarlyToRefreshTokens"},
                )
            del state.refresh_tokens[old]
            access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
            state.access_tokens[access] = (now + state.token_lifetime, grant)
            state.refresh_tokens[refresh] = grant
        return JSONResponse({"access_token": access, "token_type": "bearer",
                             "expires_in": str(state.token_lifetime), "refresh_token": refresh})


def _authorised(request: Request, state: ExactSandboxState) -> bool:
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ")
    with state.lock:
        expiry, _grant = state.access_tokens.get(token, (0.0, ""))
    return expiry > time.time()


def _division_or_error(state: ExactSandboxState, code: int) -> Division | JSONResponse:
    division = state.divisions.get(code)
    if division is None or not division.rights:
        return exact_error(403, "Forbidden", reason="NoDivisionAccess")
    if division.blocked:
        return exact_error(403, "Forbidden", reason="DivisionBlocked")
    return division


ENTRY_RESOURCES = {
    "purchaseentry/PurchaseEntries": ("Supplier", "PurchaseEntryLines"),
    "salesentry/SalesEntries": ("Customer", "SalesEntryLines"),
}


def _add_api_routes(app: FastAPI, state: ExactSandboxState) -> None:
    @app.api_route("/api/v1/{division_code}/{service}/{resource}",
                   methods=["GET", "POST", "PUT", "DELETE"])
    async def api(request: Request, division_code: str, service: str, resource: str) -> Response:
        if not _authorised(request, state):
            return exact_error(401, "Unauthorized")
        if division_code == "current" and f"{service}/{resource}" == "current/Me":
            first = min(state.divisions) if state.divisions else 0
            return results([{"CurrentDivision": first, "FullName": "Doorstroom"}])
        try:
            code = int(division_code)
        except ValueError:
            return exact_error(400, "Invalid division")
        key_match = re.fullmatch(r"(\w+)\(guid'([0-9a-f-]+)'\)", resource)
        name, key = (key_match.group(1), key_match.group(2)) if key_match else (resource, None)
        endpoint = f"{service}/{name}"
        if state.blocked(code, endpoint):
            return exact_error(429, f"Too many errors on {endpoint} in the last hour: the key is "
                               "blocked for this endpoint", headers={"Retry-After": "3600"})
        answer = await _answer(request, state, code, endpoint, key)
        if answer.status_code in (400, 401, 403, 404):
            state.count_error(code, endpoint)
        return answer


async def _answer(request: Request, state: ExactSandboxState, code: int, endpoint: str,
                  key: str | None) -> Response:
    division = _division_or_error(state, code)
    if isinstance(division, JSONResponse):
        return division
    handler = _HANDLERS.get((request.method, endpoint))
    if handler is None:
        return exact_error(404, f"Endpoint not found: {endpoint}")
    body = await request.json() if request.method in ("POST", "PUT") else None
    with state.lock:
        return handler(division, dict(request.query_params), body, key, endpoint)


def _get_periods(division: Division, query: dict[str, str], *_: Any) -> Response:
    terms = filter_terms(query.get("$filter", ""))
    return results([{"FinYear": p.year, "FinPeriod": p.number, "StartDate": odata_date(p.start),
                     "EndDate": odata_date(p.end)} for p in division.periods.values()
                    if meets({"FinYear": p.year, "FinPeriod": p.number, "StartDate": p.start,
                              "EndDate": p.end}, terms)])


def _filtered(rows: Any, query: dict[str, str]) -> JSONResponse:
    terms = filter_terms(query.get("$filter", ""))
    return results([row for row in rows if meets(row, terms)])


def _get_divisions(division: Division, query: dict[str, str], *_: Any) -> Response:
    return _filtered([{"Code": division.code, "Description": division.name}], query)


def _get_vat_codes(division: Division, query: dict[str, str], *_: Any) -> Response:
    return _filtered([{"Code": k, "Description": v} for k, v in DEFAULT_VAT_CODES.items()], query)


def _get_journals(division: Division, query: dict[str, str], *_: Any) -> Response:
    return _filtered([{"Code": k, "Description": v} for k, v in DEFAULT_JOURNALS.items()], query)


def _get_accounts(division: Division, query: dict[str, str], *_: Any) -> Response:
    return _filtered(division.accounts.values(), query)


def _post_account(division: Division, _q: Any, body: dict[str, Any], *_: Any) -> Response:
    if not body.get("Name"):
        return exact_error(400, "Verplicht: Naam")
    row = {"ID": str(uuid.uuid4()), "Name": body["Name"], "VATNumber": body.get("VATNumber", ""),
           "IsSupplier": bool(body.get("IsSupplier")), "IsSales": bool(body.get("IsSales")),
           "Status": str(body.get("Status", ""))}
    division.accounts[row["ID"]] = row
    return created(row)


def _put_account(division: Division, _q: Any, body: dict[str, Any], key: str | None,
                 *_: Any) -> Response:
    if key is None or key not in division.accounts:
        return exact_error(404, "Not found")
    known = {"Name", "VATNumber", "IsSupplier", "IsSales", "Status"}
    division.accounts[key].update({k: v for k, v in body.items() if k in known})
    return Response(status_code=204)


def _get_gl_accounts(division: Division, query: dict[str, str], *_: Any) -> Response:
    return _filtered(division.gl_accounts.values(), query)


def _get_entries(division: Division, query: dict[str, str], _b: Any, _k: Any,
                 resource: str) -> Response:
    rows = [e for e in division.entries.values() if e["_resource"] == resource]
    return _filtered([{k: v for k, v in e.items() if not k.startswith("_")} for e in rows], query)


def _entry_period(division: Division, entry_date: date) -> Period | None:
    return next((p for p in division.periods.values() if p.start <= entry_date <= p.end), None)


def _post_entry(division: Division, _q: Any, body: dict[str, Any], _k: Any,
                resource: str) -> Response:
    party_field, lines_field = ENTRY_RESOURCES[resource]
    if not body.get("Journal") or not body.get(party_field) or not body.get(lines_field):
        return exact_error(400, f"Verplicht: Dagboek, {party_field}, regels")
    if body[party_field] not in division.accounts:
        return exact_error(400, f"Ongeldige relatie: {body[party_field]}")
    gl_ids = {a["ID"] for a in division.gl_accounts.values()}
    if any(line.get("GLAccount") not in gl_ids for line in body[lines_field]):
        return exact_error(400, "Ongeldige grootboekrekening")
    entry_date = date.fromisoformat(str(body.get("EntryDate", ""))[:10])
    period = _entry_period(division, entry_date)
    if body.get("ReportingYear") and body.get("ReportingPeriod"):  # a period chosen by hand
        period = division.periods.get((int(body["ReportingYear"]),
                                       int(body["ReportingPeriod"])))
    if period is None:
        return exact_error(400, f"Boekjaar/periode bestaat niet: {entry_date.isoformat()}")
    if period.closed:  # Exact answers this refusal as a 500 as well as a 400
        return exact_error(500, f"Periode is afgesloten: {period.year} \u2013 {period.number}")
    if party_field == "Customer" and division.accounts[body[party_field]].get("Status") != "C":
        return exact_error(400, "Ongeldig: Klant (Type)")
    if any(line.get("VATCode") not in DEFAULT_VAT_CODES for line in body[lines_field]):
        return exact_error(500, "Ongeldig: Btw-percentage []")
    row = dict(body)
    row.update(EntryID=str(uuid.uuid4()), EntryNumber=len(division.entries) + 1,
               FinancialYear=period.year, FinancialPeriod=period.number, _resource=resource,
               Created=f"/Date({int(time.time() * 1000)})/")  # Exact stamps each entry
    division.entries[row["EntryID"]] = row
    return created({k: v for k, v in row.items() if not k.startswith("_")})


def _delete_entry(division: Division, _q: Any, _b: Any, key: str | None, *_: Any) -> Response:
    if key is None or key not in division.entries:
        return exact_error(404, "Not found")
    del division.entries[key]
    return Response(status_code=204)


def _get_documents(division: Division, query: dict[str, str], *_: Any) -> Response:
    return _filtered(division.documents.values(), query)


def _post_document(division: Division, _q: Any, body: dict[str, Any], *_: Any) -> Response:
    row = {"ID": str(uuid.uuid4()), "Subject": body.get("Subject", ""),
           "Type": body.get("Type"), "Account": body.get("Account")}
    division.documents[row["ID"]] = row
    return created(row)


def _get_attachments(division: Division, query: dict[str, str], *_: Any) -> Response:
    return _filtered([{k: v for k, v in a.items() if k != "Attachment"}
                      for a in division.attachments.values()], query)


def _post_attachment(division: Division, _q: Any, body: dict[str, Any], *_: Any) -> Response:
    if body.get("Document") not in division.documents:
        return exact_error(400, "Ongeldig document")
    row = {"ID": str(uuid.uuid4()), "Document": body["Document"],
           "FileName": body.get("FileName", ""), "Attachment": body.get("Attachment", "")}
    division.attachments[row["ID"]] = row
    return created({k: v for k, v in row.items() if k != "Attachment"})


_HANDLERS: dict[tuple[str, str], Any] = {
    ("GET", "system/Divisions"): _get_divisions,
    ("GET", "financial/FinancialPeriods"): _get_periods,
    ("GET", "financial/GLAccounts"): _get_gl_accounts,
    ("GET", "vat/VATCodes"): _get_vat_codes,
    ("GET", "financial/Journals"): _get_journals,
    ("GET", "crm/Accounts"): _get_accounts,
    ("POST", "crm/Accounts"): _post_account,
    ("PUT", "crm/Accounts"): _put_account,
    ("GET", "documents/Documents"): _get_documents,
    ("POST", "documents/Documents"): _post_document,
    ("GET", "documents/DocumentAttachments"): _get_attachments,
    ("POST", "documents/DocumentAttachments"): _post_attachment,
    **{("GET", r): _get_entries for r in ENTRY_RESOURCES},
    **{("POST", r): _post_entry for r in ENTRY_RESOURCES},
    **{("DELETE", r): _delete_entry for r in ENTRY_RESOURCES},
}


class DivisionIn(BaseModel):
    """Control payload: create a division."""

    code: int
    name: str
    rights: bool = True


def _add_control_routes(app: FastAPI, state: ExactSandboxState) -> None:
    @app.post("/_sandbox/divisions")
    def add_division(payload: DivisionIn) -> dict[str, Any]:
        state.add_division(payload.code, payload.name, rights=payload.rights)
        return {"code": payload.code}

    @app.post("/_sandbox/refresh-tokens")
    def refresh_token() -> dict[str, str]:
        return {"refresh_token": state.issue_refresh_token()}

    @app.post("/_sandbox/divisions/{code}/rights")
    def rights(code: int, payload: Flag) -> dict[str, Any]:
        state.set_rights(code, payload.value)
        return {"code": code, "rights": payload.value}

    @app.post("/_sandbox/divisions/{code}/periods/{year}/{period}/closed")
    def close_period(code: int, year: int, period: int, payload: Flag) -> dict[str, Any]:
        state.set_period_closed(code, year, period, payload.value)
        return {"code": code, "period": f"{year}{period:02d}", "closed": payload.value}


    @app.get("/_sandbox/stats")
    def stats() -> dict[str, int]:
        now = time.time()
        return {"http_429": state.http_429 + state.faults.http_429,
                "calls_last_minute": sum(1 for calls in state.calls.values()
                                         for t in calls if t > now - 60),
                "daily_calls": sum(state.daily_calls.values())}

    @app.get("/_sandbox/divisions/{code}/entries")
    def entries(code: int) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if not k.startswith("_")}
                for e in state.entries(code)]


class ExactOnlineSandbox(Sandbox):
    """Exact Online divisions behind one OAuth2 app; blocked = no rights on the division.

    ``calls_per_minute``/``calls_per_day`` go on the connections it hands out: 0 (no limit,
    so no Prefect server is needed) unless a test or the demo asks for Prefect rate limits.
    """

    booking_call: ClassVar[dict[str, str]] = {"method": "POST", "path_contains": "Entries"}

    def __init__(self, state: ExactSandboxState | None = None, calls_per_minute: int = 0,
                 calls_per_day: int = 0) -> None:
        super().__init__(state)
        self.limits = {"calls_per_minute": calls_per_minute, "calls_per_day": calls_per_day}

    def new_state(self) -> ExactSandboxState:
        """A fresh sandbox state."""
        return ExactSandboxState()

    def app(self) -> FaultInjector:
        """The REST/OData app."""
        return create_app(self.state)

    def connection(self, url: str) -> ExactOnlineConnection:
        """A connection with a fresh refresh token from this sandbox."""
        return ExactOnlineConnection(
            base_url=url, client_id=self.state.client_id,
            client_secret=SecretStr(self.state.client_secret),
            refresh_token=SecretStr(self.state.issue_refresh_token()), **self.limits)

    def add_administration(self, code: str, name: str, *, blocked: bool = False) -> None:
        """A division; blocked = the Doorstroom user has no rights on it."""
        self.state.add_division(int(code), name, rights=not blocked)

    def unblock(self, code: str) -> None:
        """Grant the rights."""
        self.state.set_rights(int(code), True)

    def bookings(self, code: str) -> list[str]:
        """EntryIDs of the division's entries."""
        return [entry["EntryID"] for entry in self.state.entries(int(code))]

    def close_period(self, code: str, year: int, month: int) -> None:
        """Close a financial period."""
        self.state.set_period_closed(int(code), year, month, True)

    def reject_credentials(self) -> None:
        """Forget every token handed out."""
        self.state.refresh_tokens.clear()
        self.state.access_tokens.clear()
