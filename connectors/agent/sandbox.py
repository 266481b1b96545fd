"""A local Doorstroom agent (protocol v1) in front of an emulated package database.

Each dossier has the state the seed cases need: database present or only a backup, its
structure version against the version the package requires, closed booking periods, and
payments linked to bookings. ``/_sandbox/*`` controls play the office employee (restore the
database, upgrade it, reopen a period, remove a payment) and inject faults.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, SecretStr, ValidationError

from blocks.agent import OnPremiseAgentConnection
from connectors.agent.protocol import PROTOCOL, AgentBooking
from connectors.sandbox_faults import (
    Fault,
    FaultInjector,
    FaultQueue,
    Flag,
    add_fault_routes,
)
from connectors.sandbox_kit import Sandbox, SandboxState
from doorstroom.documents.proposal import MasterData, MasterItem


@dataclass
class AgentDossier:
    """One dossier's database as the agent sees it."""

    code: str
    name: str
    database_present: bool = True
    backup_available: bool = True
    version: int = 2
    required_version: int = 2
    closed_periods: set[str] = field(default_factory=set)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: set[str] = field(default_factory=set)


class AgentSandboxState(SandboxState):
    """The agent of one office: its token, the package it fronts and the dossiers."""

    def __init__(self, package: str, office_token: str = "office-token",
                 agent_version: str = "1.0.0") -> None:
        self.lock = threading.RLock()
        self.package = package
        self.office_token = office_token
        self.agent_version = agent_version
        self.dossiers: dict[str, AgentDossier] = {}
        self.faults = FaultQueue()
        self._ids = itertools.count(1)

    def add_dossier(self, code: str, name: str, **state: Any) -> AgentDossier:
        """A dossier with a usable database unless ``state`` says otherwise."""
        dossier = AgentDossier(code=code, name=name, **state)
        with self.lock:
            self.dossiers[code] = dossier
        return dossier

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault."""
        self.faults.add(fault)

    def bookings(self, code: str) -> list[dict[str, Any]]:
        """The bookings in a dossier's database."""
        with self.lock:
            return list(self.dossiers[code].bookings.values())

    def link_payment(self, code: str, booking_id: str) -> None:
        """A payment gets linked to a booking (it can no longer be deleted)."""
        with self.lock:
            self.dossiers[code].payments.add(booking_id)

    def update(self, code: str, **changes: Any) -> None:
        """Change a dossier's state (what the employee's action does in the package)."""
        with self.lock:
            for key, value in changes.items():
                setattr(self.dossiers[code], key, value)

    def next_id(self) -> str:
        """The package's id for a new booking."""
        return str(next(self._ids))


def agent_error(status: int, code: str, message: str, **details: Any) -> JSONResponse:
    """An error answer of the agent protocol."""
    return JSONResponse({"error": {"code": code, "message": message, "details": details}},
                        status_code=status)


def create_app(state: AgentSandboxState) -> FaultInjector:
    """The agent sandbox's ASGI app over ``state``."""
    app = FastAPI(title=f"Doorstroom agent sandbox ({state.package})", docs_url=None,
                  redoc_url=None)
    _add_protocol_routes(app, state)
    _add_control_routes(app, state)
    add_fault_routes(app, state.faults)
    return FaultInjector(app, state.faults, _unavailable)


def _unavailable(status: int, headers: dict[str, str]) -> Response:
    response = agent_error(status, "unavailable", "Agent busy or package unavailable")
    response.headers.update(headers)
    return response


def _usable(dossier: AgentDossier) -> JSONResponse | None:
    """The error that keeps a dossier's database from being used, if any."""
    if not dossier.database_present:
        return agent_error(409, "database_missing", f"Database {dossier.code} not present",
                           backup_available=dossier.backup_available)
    if dossier.version < dossier.required_version:
        return agent_error(409, "database_outdated", "Database structure outdated",
                           version=dossier.version, required_version=dossier.required_version)
    return None


def _add_protocol_routes(app: FastAPI, state: AgentSandboxState) -> None:
    def guard(request: Request, code: str) -> AgentDossier | JSONResponse:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token != state.office_token:
            return agent_error(401, "unauthorized", "Unknown office token")
        dossier = state.dossiers.get(code)
        if dossier is None:
            return agent_error(404, "dossier_not_found", f"Dossier {code} unknown")
        return _usable(dossier) or dossier

    @app.get(f"/{PROTOCOL}/health")
    def health() -> dict[str, str]:
        return {"agent_version": state.agent_version, "package": state.package,
                "protocol": PROTOCOL}

    @app.get(f"/{PROTOCOL}/dossiers/{{code}}")
    def dossier(request: Request, code: str) -> Response:
        found = guard(request, code)
        if isinstance(found, JSONResponse):
            return found
        return JSONResponse({"code": found.code, "name": found.name, "version": found.version})

    @app.get(f"/{PROTOCOL}/dossiers/{{code}}/bookings")
    def find(request: Request, code: str, reference: str) -> Response:
        found = guard(request, code)
        if isinstance(found, JSONResponse):
            return found
        with state.lock:
            return JSONResponse([b for b in found.bookings.values()
                                 if b["reference"] == reference])

    @app.post(f"/{PROTOCOL}/dossiers/{{code}}/bookings")
    async def post(request: Request, code: str) -> Response:
        found = guard(request, code)
        if isinstance(found, JSONResponse):
            return found
        try:
            booking = AgentBooking.model_validate(await request.json())
        except (ValidationError, ValueError) as error:
            return agent_error(422, "invalid_booking", str(error)[:300])
        with state.lock:
            existing = [b for b in found.bookings.values() if b["reference"] == booking.reference]
            if existing:
                return JSONResponse(existing[0])
            if booking.period in found.closed_periods:
                return agent_error(409, "period_closed", f"Period {booking.period} closed",
                                   period=booking.period)
            row = {**booking.model_dump(mode="json"), "booking_id": state.next_id()}
            found.bookings[row["booking_id"]] = row
        return JSONResponse(row, status_code=201)

    @app.get(f"/{PROTOCOL}/dossiers/{{code}}/master-data")
    def master_data(request: Request, code: str) -> Response:
        found = guard(request, code)
        if isinstance(found, JSONResponse):
            return found
        with state.lock:
            parties = {b["party_name"]: b["party_vat"] for b in found.bookings.values()}
        data = MasterData(
            parties=[MasterItem(code=vat or name, name=name) for name, vat in parties.items()],
            gl_accounts=[MasterItem(code=c) for c in ("400000", "440000", "604000", "611000")],
            vat_codes=[MasterItem(code=c) for c in ("21", "6", "0")],
            journals=[MasterItem(code="600", name="Aankopen"), MasterItem(code="700")],
            periods=[MasterItem(code=f"{y}{m:02d}", extra={
                "closed": str(f"{y}{m:02d}" in found.closed_periods)})
                for y in (2017, 2025, 2026, 2027) for m in range(1, 13)],
        )
        return JSONResponse(data.model_dump(mode="json"))

    @app.delete(f"/{PROTOCOL}/dossiers/{{code}}/bookings/{{booking_id}}")
    def delete(request: Request, code: str, booking_id: str) -> Response:
        found = guard(request, code)
        if isinstance(found, JSONResponse):
            return found
        with state.lock:
            if booking_id not in found.bookings:
                return agent_error(404, "not_found", f"Booking {booking_id} unknown")
            if booking_id in found.payments:
                return agent_error(409, "payment_linked", "A payment is linked to the booking",
                                   booking_id=booking_id)
            del found.bookings[booking_id]
        return Response(status_code=204)


class DossierIn(BaseModel):
    """Control payload: create a dossier."""

    code: str
    name: str


def _add_control_routes(app: FastAPI, state: AgentSandboxState) -> None:
    @app.post("/_sandbox/dossiers")
    def add_dossier(payload: DossierIn) -> dict[str, str]:
        state.add_dossier(payload.code, payload.name)
        return {"code": payload.code}

    @app.post("/_sandbox/dossiers/{code}/database-present")
    def restore(code: str, payload: Flag) -> dict[str, Any]:
        state.update(code, database_present=payload.value)
        return {"code": code, "database_present": payload.value}

    @app.post("/_sandbox/dossiers/{code}/upgrade")
    def upgrade(code: str) -> dict[str, Any]:
        required = state.dossiers[code].required_version
        state.update(code, version=required)
        return {"code": code, "version": required}

    @app.post("/_sandbox/dossiers/{code}/payments/{booking_id}/remove")
    def remove_payment(code: str, booking_id: str) -> dict[str, str]:
        with state.lock:
            state.dossiers[code].payments.discard(booking_id)
        return {"code": code, "removed": booking_id}

    @app.get("/_sandbox/dossiers/{code}/bookings")
    def bookings(code: str) -> list[dict[str, Any]]:
        return state.bookings(code)


class AgentSandbox(Sandbox):
    """Dossiers behind one office agent; each package says what "blocked" means for it."""

    booking_call: ClassVar[dict[str, str]] = {"method": "POST", "path_contains": "/bookings"}
    administration_prefix: ClassVar[str] = "D"
    package: ClassVar[str]
    blocked: ClassVar[dict[str, Any]]
    fixed: ClassVar[dict[str, Any]]

    def new_state(self) -> AgentSandboxState:
        """An agent fronting this package."""
        return AgentSandboxState(self.package)

    def app(self) -> FaultInjector:
        """The agent protocol app."""
        return create_app(self.state)

    def connection(self, url: str) -> OnPremiseAgentConnection:
        """A connection to this agent with the office's token."""
        return OnPremiseAgentConnection(base_url=url,
                                        office_token=SecretStr(self.state.office_token))

    def add_administration(self, code: str, name: str, *, blocked: bool = False) -> None:
        """A dossier on the office's server, in the blocked state if asked."""
        self.state.add_dossier(code, name, **(self.blocked if blocked else {}))

    def unblock(self, code: str) -> None:
        """The employee's fix (upgrade, restore)."""
        self.state.update(code, **self.fixed)

    def bookings(self, code: str) -> list[str]:
        """Ids of the dossier's bookings."""
        return [str(booking["booking_id"]) for booking in self.state.bookings(code)]

    def close_period(self, code: str, year: int, month: int) -> None:
        """Close a book period."""
        self.state.dossiers[code].closed_periods.add(f"{year}{month:02d}")

    def reject_credentials(self) -> None:
        """The office rotates the agent's token."""
        self.state.office_token = "rotated"
