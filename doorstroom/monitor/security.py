"""Security at the edge: response headers, CSRF tokens and the same-origin check on POSTs.

Every state change is a POST that must carry the session's CSRF token (form field ``csrf`` or
header ``X-CSRF-Token``) and must not come from another site (``Sec-Fetch-Site``/``Origin``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from fastapi.responses import PlainTextResponse

from doorstroom.i18n import N_

log = logging.getLogger(__name__)
HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def add_security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Middleware: every answer carries the headers — a 500 too, which is answered here
    (and logged) rather than by Starlette's outermost handler that adds none; pages are
    never cached (they hold data)."""
    try:
        response = await call_next(request)
    except Exception:
        log.exception("%s %s failed", request.method, request.url.path)
        response = PlainTextResponse("Internal Server Error", status_code=500)
    response.headers.update(HEADERS)
    if request.url.scheme == "https":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


class CrossSiteRequest(HTTPException):
    """A state change that did not come from our own pages."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=403, detail=message)


def _same_origin(request: Request) -> bool:
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # older browsers and scripts; the token still has to match
    if origin == "null":
        return False
    parts = urlsplit(origin)
    try:
        port = parts.port or _default_port(parts.scheme)
    except ValueError:  # "https://host:abc": no origin of ours
        return False
    return f"{parts.hostname}:{port}" == _host(request)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _host(request: Request) -> str:
    host = request.headers.get("host", "")
    if ":" not in host.rsplit("]", 1)[-1]:
        host = f"{host}:{_default_port(request.url.scheme)}"
    return host


async def require_csrf(request: Request) -> None:
    """Dependency of every POST: same origin and the session's token, or 403."""
    if not _same_origin(request):
        raise CrossSiteRequest(N_("Refused: this request came from another site."))
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not sent or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise CrossSiteRequest(N_("Refused: the form was out of date or not sent by this "
                                  "site. Reload the page and try again."))
