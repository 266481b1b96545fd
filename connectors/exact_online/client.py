"""HTTP client for Exact Online's REST API: OAuth2 tokens, divisions, rate-limit headers.

Protocol facts it follows (Exact Online REST API docs):
- ``POST /api/oauth2/token`` with ``grant_type=refresh_token``; the access token lives 10
  minutes, a refresh is refused while it is still valid, and every refresh rotates the
  refresh token — so tokens are saved back into the connection block and shared.
- Resources live under ``/api/v1/{division}/…``; collections answer ``{"d": {"results"}}``
  and page with ``__next``.
- Every answer carries ``X-RateLimit-Minutely-Remaining`` / ``-Reset`` (epoch ms); when
  the minute's budget is spent we wait for the reset instead of collecting 429s.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from blocks.exact_online import ExactOnlineConnection
from connectors.exact_online import errors
from connectors.http import package_client
from connectors.http_errors import classify_transport_error, describe
from connectors.rate_limits import RateLimit, RateLimiter
from connectors.token_keeper import TokenKeeper
from doorstroom.clock import SYSTEM, Clock

log = logging.getLogger(__name__)

MAX_PACING_WAIT = 65.0
BOOKING_CALLS = 10
"""Calls of a run's first booking for a new party (counted against the sandbox): the party
looked up twice and created, the financial periods, the GL accounts, the document and its
PDF (each looked up, then made) and the entry. A later booking in the run makes six."""


def quote(value: str) -> str:
    """An OData string literal."""
    return "'" + value.replace("'", "''") + "'"


def call_limits(connection: ExactOnlineConnection) -> list[RateLimit]:
    """Exact's published limits per division, as set on the connection block.

    Exact counts a sliding minute: a burst of one booking's calls (:data:`BOOKING_CALLS`, so
    a lone document is not paced), the other 50 spread over the minute. The day allows half
    its calls at once, the rest spread over the day. A limit of 0 is no limit.
    """
    return [RateLimit("minute", connection.calls_per_minute,
                      burst=min(BOOKING_CALLS, max(1, connection.calls_per_minute // 2))),
            RateLimit("day", connection.calls_per_day,
                      burst=max(1, connection.calls_per_day // 2))]


class ExactOnlineClient:
    """Talks to one Exact Online connection on behalf of one division."""

    def __init__(self, connection: ExactOnlineConnection, division: str, dossier_name: str,
                 block_name: str = "", http: httpx.Client | None = None,
                 clock: Clock = SYSTEM) -> None:
        self.division = division
        self.dossier_name = dossier_name
        self.block_name = block_name
        self.http = http or package_client(connection.timeout_seconds)
        self._owns_http = http is None
        self.tokens = TokenKeeper(connection, block_name, errors.PACKAGE, self._request_tokens,
                                  errors.too_early_to_refresh)
        self.clock = clock
        self.limiter = RateLimiter("exact_online", division, call_limits(connection), clock)
        self._minute_reset: float = 0.0
        self._minute_remaining: int | None = None
        self.calls = 0
        self._booking_calls = BOOKING_CALLS

    def close(self) -> None:
        """Close the HTTP connection pool if this client opened it."""
        if self._owns_http:
            self.http.close()

    @property
    def connection(self) -> ExactOnlineConnection:
        """The connection as last loaded or refreshed (tokens included)."""
        connection: ExactOnlineConnection = self.tokens.connection
        return connection

    def access_token(self, force_refresh: bool = False) -> str:
        """A valid access token (see :class:`TokenKeeper`)."""
        return self.tokens.access_token(force_refresh)

    def _request_tokens(self, connection: ExactOnlineConnection) -> httpx.Response:
        return self.http.post(f"{connection.base_url}/api/oauth2/token", data={
            "grant_type": "refresh_token",
            "refresh_token": connection.refresh_token.get_secret_value(),
            "client_id": connection.client_id,
            "client_secret": connection.client_secret.get_secret_value(),
        })

    @contextmanager
    def calls_of_one_booking(self) -> Iterator[None]:
        """Take the rate-limit slots of a booking's calls in one request: as many as the
        previous booking made (the first: :data:`BOOKING_CALLS`); any call beyond them takes
        its own."""
        self.limiter.reserve(self._booking_calls)
        before = self.calls
        try:
            yield
        finally:
            self._booking_calls = max(1, self.calls - before)

    # --- requests -----------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                json: Any = None, context: Mapping[str, str] | None = None,
                division: str | None = None) -> httpx.Response:
        """One API call on this division; any unsuccessful answer raises a SyncFailure."""
        url = f"{self.connection.base_url}/api/v1/{division or self.division}/{path}"
        return self._checked(method, url, params, json, context)

    def _checked(self, method: str, url: str, params: Mapping[str, str] | None, json: Any,
                 context: Mapping[str, str] | None = None) -> httpx.Response:
        """Send, retry once on 401 with a fresh token, classify anything unsuccessful."""
        response = self._send(method, url, params, json, self.access_token())
        if response.status_code == 401:
            response = self._send(method, url, params, json, self.access_token(True))
        if response.is_success:
            return response
        raise errors.classify(response, self.dossier_name, context or {})

    def _send(self, method: str, url: str, params: Mapping[str, str] | None, json: Any,
              token: str) -> httpx.Response:
        self._pace()
        self.limiter.acquire()
        self.calls += 1
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            response = self.http.request(method, url, params=params, json=json, headers=headers)
        except httpx.TransportError as error:
            raise classify_transport_error(error) from error
        self._note_limits(response)
        return response

    def _note_limits(self, response: httpx.Response) -> None:
        remaining = response.headers.get("X-RateLimit-Minutely-Remaining")
        reset = response.headers.get("X-RateLimit-Minutely-Reset")
        if remaining is not None and reset is not None:
            try:
                self._minute_remaining = int(remaining)
                self._minute_reset = int(reset) / 1000.0
            except ValueError:
                self._minute_remaining = None

    def _pace(self) -> None:
        """Wait for the minute's reset when its budget is spent (never longer than a minute)."""
        if self._minute_remaining is not None and self._minute_remaining <= 0:
            wait = min(self._minute_reset - self.clock.time(), MAX_PACING_WAIT)
            if wait > 0:
                log.info("Exact Online minute budget spent; waiting %.1f s", wait)
                self.clock.sleep(wait)
            self._minute_remaining = None

    # --- OData helpers ------------------------------------------------------------------------
    def results(self, path: str, odata_filter: str = "", select: str = "") -> list[dict[str, Any]]:
        """All rows of a collection, following ``__next`` pages."""
        params = {k: v for k, v in {"$filter": odata_filter, "$select": select}.items() if v}
        response = self.request("GET", path, params=params)
        rows: list[dict[str, Any]] = []
        while True:
            data = self._d(response)
            page = data.get("results") if isinstance(data, dict) else None
            if not isinstance(page, list):
                raise errors.unexpected(f"{path}: no results list")
            rows.extend(page)
            next_url = data.get("__next")
            if not next_url:
                return rows
            response = self._checked("GET", str(next_url), None, None)  # every page alike

    def create(self, path: str, body: Mapping[str, Any],
               context: Mapping[str, str] | None = None) -> dict[str, Any]:
        """POST a new object; return the created object."""
        data = self._d(self.request("POST", path, json=body, context=context))
        if not isinstance(data, dict):
            raise errors.unexpected(f"{path}: created object missing")
        return data

    def update(self, path: str, body: Mapping[str, Any]) -> None:
        """PUT changed fields of an object (Exact answers 204 without a body)."""
        self.request("PUT", path, json=body)

    def _d(self, response: httpx.Response) -> Any:
        try:
            return response.json()["d"]
        except (ValueError, KeyError, TypeError) as error:
            raise errors.unexpected(f"{response.request.url.path}: {type(error).__name__} — "
                                    f"{describe(response)}") from error
