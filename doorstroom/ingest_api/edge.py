"""The ingest API's door: the office token is checked before a body is read.

FastAPI reads and parses a JSON body before it runs a route's dependencies, so a token
checked there comes too late: 150 MB sent without a token took the process from 200 to
650 MB. This ASGI middleware answers 401 for a missing or unknown token before any byte of
the body is read; ``doorstroom.web.BodyLimit`` (inside it) then bounds the body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from doorstroom.ingest_api.auth import office_for
from doorstroom.store.db import session_scope
from doorstroom.web import WRITES, header, refuse

BEARER = "bearer"


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme in any case, RFC 7235);
    ``None`` for a bare token or another scheme."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER or not token or " " in token:
        return None
    return token


class TokenFirst:
    """Refuses a write under ``/api/`` without a known office token before reading it; the
    office found is left in the request's state for the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Reads pass; a write must name its office first."""
        if scope["type"] != "http" or scope["method"] not in WRITES \
                or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        office = self._office(header(scope, "authorization"))
        if office is None:
            await refuse(send, 401, "missing or unknown office token "
                                    "(Authorization: Bearer <token>)",
                         [(b"www-authenticate", b'Bearer realm="doorstroom"')])
            return
        scope.setdefault("state", {})["office"] = office
        await self.app(scope, receive, send)

    @staticmethod
    def _office(authorization: str) -> int | None:
        token = bearer_token(authorization)
        if token is None:
            return None
        with session_scope() as session:
            return office_for(session, token)
