"""HTTP client for the agent protocol v1: one office's agent, one dossier."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import ValidationError

from blocks.agent import OnPremiseAgentConnection
from connectors.agent.errors import AgentRule
from connectors.agent.protocol import PROTOCOL, AgentBooking, AgentError
from connectors.http import package_client
from connectors.http_errors import (
    DEFAULT_STATUS_MAP,
    classify_status,
    classify_transport_error,
    describe,
)
from doorstroom.documents.proposal import MasterData
from doorstroom.failures import SyncFailure, TransientFailure, failure
from doorstroom.failures import codes as c


class AgentClient:
    """Calls the office's agent for one dossier; answers become values or SyncFailures."""

    def __init__(self, connection: OnPremiseAgentConnection, dossier_id: str, dossier_name: str,
                 package: str, rules: Mapping[str, AgentRule],
                 http: httpx.Client | None = None) -> None:
        self.connection = connection
        self.dossier_id = dossier_id
        self.dossier_name = dossier_name
        self.package = package
        self.rules = rules
        self.http = http or package_client(connection.timeout_seconds)
        self._owns_http = http is None

    def close(self) -> None:
        """Close the HTTP connection pool if this client opened it."""
        if self._owns_http:
            self.http.close()

    def request(self, method: str, path: str, *, json: Any = None,
                params: Mapping[str, str] | None = None,
                allow: tuple[int, ...] = ()) -> httpx.Response:
        """One call under ``/v1``; unsuccessful answers not in ``allow`` raise SyncFailure."""
        url = f"{self.connection.base_url.rstrip('/')}/{PROTOCOL}/{path}"
        headers = {"Authorization": f"Bearer {self.connection.office_token.get_secret_value()}"}
        try:
            response = self.http.request(method, url, json=json, params=params, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise self._offline(error) from error
        except httpx.TransportError as error:
            raise classify_transport_error(error) from error
        if response.is_success or response.status_code in allow:
            return response
        raise self._classify(response)

    def _offline(self, error: Exception) -> TransientFailure:
        return TransientFailure(c.AGENT_UNREACHABLE, detail=repr(error),
                                exhausted=failure(c.AGENT_OFFLINE, detail=repr(error),
                                                  package=self.package))

    def _classify(self, response: httpx.Response) -> SyncFailure:
        if response.status_code in (401, 403):
            return failure(c.CREDENTIALS_REJECTED, detail=f"HTTP {response.status_code}",
                           package=self.package)
        error = _error_body(response)
        rule = self.rules.get(error.code) if error else None
        if error is not None and rule is not None:
            return rule(error, self.package, self.dossier_name)
        message = error.message if error else ""
        return classify_status(response, self.package, DEFAULT_STATUS_MAP, message)

    # --- the protocol's calls ---------------------------------------------------------------
    def dossier(self) -> dict[str, Any]:
        """The dossier's name and database state (errors if the database is unusable)."""
        return self._json_object(self.request("GET", f"dossiers/{self.dossier_id}"))

    def find(self, reference: str) -> str | None:
        """The booking id carrying ``reference``, if any."""
        rows = self._json(self.request("GET", f"dossiers/{self.dossier_id}/bookings",
                                       params={"reference": reference}))
        if not isinstance(rows, list):
            raise self._unexpected("bookings: not a list")
        return str(rows[0]["booking_id"]) if rows else None

    def post(self, booking: AgentBooking) -> str:
        """Create the booking (the agent returns the existing one for a known reference)."""
        response = self.request("POST", f"dossiers/{self.dossier_id}/bookings",
                                json=booking.model_dump(mode="json"))
        body = self._json_object(response)
        if "booking_id" not in body:
            raise self._unexpected("created booking has no booking_id")
        return str(body["booking_id"])

    def master_data(self) -> MasterData:
        """The dossier's master data."""
        body = self._json(self.request("GET", f"dossiers/{self.dossier_id}/master-data"))
        try:
            return MasterData.model_validate(body)
        except ValidationError as error:
            raise self._unexpected(f"master data: {error}") from error

    def delete(self, booking_id: str) -> None:
        """Delete a booking; one that is already gone counts as deleted."""
        self.request("DELETE", f"dossiers/{self.dossier_id}/bookings/{booking_id}",
                     allow=(404,))

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise self._unexpected(f"{response.request.url.path}: {type(error).__name__} — "
                                   f"{describe(response)}") from error

    def _json_object(self, response: httpx.Response) -> dict[str, Any]:
        body = self._json(response)
        if not isinstance(body, dict):
            raise self._unexpected(f"{response.request.url.path}: not an object")
        return body

    def _unexpected(self, problem: str) -> SyncFailure:
        return failure(c.UNEXPECTED_RESPONSE, detail=problem, package=self.package,
                       problem=problem[:200])


def _error_body(response: httpx.Response) -> AgentError | None:
    try:
        return AgentError.model_validate(response.json()["error"])
    except (ValueError, KeyError, TypeError, ValidationError):
        return None
