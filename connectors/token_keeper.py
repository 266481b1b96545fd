"""OAuth2 tokens kept in a connection block and shared by every worker process.

Packages that rotate refresh tokens (Exact Online, WinBooks on Web) break when two workers
refresh at once: the loser holds a dead refresh token. So the current tokens live in the
Prefect block, a worker first looks there, and refreshes happen one worker at a time under a
Prefect global concurrency limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from connectors.http_errors import (
    DEFAULT_STATUS_MAP,
    classify_status,
    classify_transport_error,
)
from connectors.locks import LEASE_SECONDS, exclusive_if_free
from doorstroom.failures import TransientFailure, failure
from doorstroom.failures import codes as c

TOKEN_MARGIN = timedelta(seconds=30)
FIRST_PAUSE = 0.1
"""Seconds before a worker that found another refreshing reads the block again; doubled
each time up to :data:`MAX_PAUSE` (a refresh is one call to the package)."""
MAX_PAUSE = 1.0
MAX_WAIT_FOR_REFRESH = LEASE_SECONDS + 15
"""Past this, the holder has died (its lease ended) or the package is too slow: try later."""

TokenRequest = Callable[[Any], httpx.Response]
TooEarly = Callable[[httpx.Response], bool]


class _RefreshTooEarly(Exception):
    """The package refused a refresh because the current access token is still valid."""


class TokenKeeper:
    """Hands out a valid access token for a block with ``access_token``,
    ``access_token_expires_at`` and ``refresh_token`` fields.

    ``request_tokens(connection)`` performs the package's token call and returns the raw
    answer; the keeper checks it, stores the rotated tokens and saves the block.
    """

    def __init__(self, connection: Any, block_name: str, package: str,
                 request_tokens: TokenRequest, too_early: TooEarly = lambda _answer: False,
                 ) -> None:
        self.connection = connection
        self.block_name = block_name
        self.package = package
        self.request_tokens = request_tokens
        self.too_early = too_early
        """Recognises the package's "not yet: your access token is still valid" answer."""

    def valid(self) -> bool:
        """Whether the connection holds an access token that is not about to expire."""
        expires = self.connection.access_token_expires_at
        return bool(self.connection.access_token) and expires is not None and (
            expires - TOKEN_MARGIN > datetime.now(UTC)
        )

    def access_token(self, force_refresh: bool = False) -> str:
        """A valid access token, refreshing (and saving the rotated tokens) when needed."""
        held = self.connection.access_token
        if force_refresh:
            self.connection.access_token = None
        if not self.valid():
            try:
                self._refresh()
            except _RefreshTooEarly:
                # The package still honours the token we hold (our clock or margin ran
                # ahead of it): keep using it; without one, try again in a while.
                if held is None:
                    raise failure(c.RATE_LIMITED, detail="token refresh too early",
                                  seconds="60") from None
                self.connection.access_token = held
        return str(self.connection.access_token.get_secret_value())

    def _refresh(self) -> None:
        """Refresh once for every worker: the first to find the token stale refreshes under
        the connection's lock; the others read the block until its new token is there (or
        the lock is free again: the holder failed, and they try themselves)."""
        if not self.block_name:
            self._store(self._call())
            return
        deadline = time.monotonic() + MAX_WAIT_FOR_REFRESH
        pause = FIRST_PAUSE
        while not self._reload_valid():
            with exclusive_if_free(f"{self.package}-token:{self.block_name}") as held:
                if held:
                    if not self._reload_valid():  # refreshed just before we took the lock
                        self._store(self._call())
                    return
            if time.monotonic() >= deadline:
                raise TransientFailure(c.ORCHESTRATOR_BUSY,
                                       detail="another worker's token refresh did not end")
            time.sleep(pause)
            pause = min(2 * pause, MAX_PAUSE)

    def _reload_valid(self) -> bool:
        self.connection = type(self.connection).load(self.block_name)
        return self.valid()

    def _call(self) -> httpx.Response:
        try:
            response = self.request_tokens(self.connection)
        except httpx.TransportError as error:
            raise classify_transport_error(error) from error
        if self.too_early(response):
            raise _RefreshTooEarly
        if response.status_code in (400, 401):
            raise failure(c.CREDENTIALS_REJECTED, detail=f"token HTTP {response.status_code}",
                          package=self.package)
        if response.status_code != 200:
            raise classify_status(response, self.package, DEFAULT_STATUS_MAP, "token")
        return response

    def _store(self, response: httpx.Response) -> None:
        try:
            body = response.json()
            access, refresh = str(body["access_token"]), str(body["refresh_token"])
            lifetime = int(body.get("expires_in", 600))
        except (ValueError, KeyError, TypeError) as error:
            raise failure(c.UNEXPECTED_RESPONSE, detail=repr(error), package=self.package,
                          problem="token answer") from error
        self.connection.access_token = SecretStr(access)
        self.connection.refresh_token = SecretStr(refresh)
        self.connection.access_token_expires_at = datetime.now(UTC) + timedelta(seconds=lifetime)
        if self.block_name:
            self.connection.save(self.block_name, overwrite=True)
