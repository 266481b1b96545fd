"""The shared mapping from HTTP outcomes to failures; connectors extend it, never if-chain it.

Like the Airbyte CDK's default error mapping: a table of status → failure code that a
connector copies and overrides (``DEFAULT_STATUS_MAP | {403: ...}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import httpx

from doorstroom.failures import SyncFailure, TransientFailure, failure
from doorstroom.failures import codes as c

StatusRule = Callable[[httpx.Response, str], SyncFailure]
EXCERPT_BYTES = 160
SECRETS = (re.compile(r"(?i)(bearer\s+)([^\s\"'&<,;]+)"),
           re.compile(r"(?i)((?:access_token|refresh_token|password|secret|apikey|api_key|"
                      r"token|authorization)[\"'\s:=>]+)([^\s\"'&<,;]+)"))
"""A credential in an answer (a token echoed back, a password in an error page)."""


def describe(response: httpx.Response) -> str:
    """What support needs to see of an answer the connector could not read: status, content
    type, size and its first bytes, with anything that looks like a credential masked."""
    body = response.content[:EXCERPT_BYTES].decode("utf-8", "replace")
    excerpt = " ".join(body.split())
    for secret in SECRETS:
        excerpt = secret.sub(lambda found: f"{found.group(1)}***", excerpt)
    kind = response.headers.get("content-type", "no content type")
    return (f"HTTP {response.status_code}, {kind}, {len(response.content)} bytes: "
            f"{excerpt!r}")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (HTTP-date form is treated as absent)."""
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _rate_limited(response: httpx.Response, package: str) -> SyncFailure:
    wait = retry_after_seconds(response)
    return TransientFailure(c.RATE_LIMITED, {"seconds": int(wait or 1)},
                            detail=f"{package} HTTP 429", retry_after=wait)


def _unavailable(response: httpx.Response, package: str) -> SyncFailure:
    return TransientFailure(c.PACKAGE_UNAVAILABLE, {"status": response.status_code},
                            detail=f"{package} HTTP {response.status_code}",
                            retry_after=retry_after_seconds(response))


def _credentials(response: httpx.Response, package: str) -> SyncFailure:
    return failure(c.CREDENTIALS_REJECTED, detail=f"HTTP {response.status_code}", package=package)


DEFAULT_STATUS_MAP: Mapping[int, StatusRule] = {
    401: _credentials,
    408: _unavailable,
    429: _rate_limited,
    500: _unavailable,
    502: _unavailable,
    503: _unavailable,
    504: _unavailable,
}


def classify_status(response: httpx.Response, package: str,
                    table: Mapping[int, StatusRule], message: str) -> SyncFailure:
    """The failure for an unsuccessful response: from the table, else ``package_rejected``."""
    rule = table.get(response.status_code)
    if rule is not None:
        return rule(response, package)
    if response.status_code >= 500:
        return _unavailable(response, package)
    return failure(c.PACKAGE_REJECTED, detail=f"HTTP {response.status_code}",
                   package=package, message=message or f"HTTP {response.status_code}")


def classify_transport_error(error: httpx.TransportError) -> SyncFailure:
    """Timeouts and dropped connections are transient: the next attempt finds what was done."""
    if isinstance(error, httpx.TimeoutException):
        return TransientFailure(c.PACKAGE_TIMEOUT, detail=repr(error))
    return TransientFailure(c.CONNECTION_LOST, detail=repr(error))
