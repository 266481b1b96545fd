"""What the ingest API checks before it reads a body: the office token, then the body's size.

FastAPI reads and parses a JSON body before it runs a route's dependencies, so a check made
there comes too late: 150 MB sent without a token took the process from 200 to 650 MB. This
ASGI middleware answers 401 for a missing or unknown token and 413 for a body past the
limit (declared or streamed) before any byte of the body is kept.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstroom.ingest_api.auth import office_for
from doorstroom.store.db import session_scope

BEARER = "bearer"


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme in any case, RFC 7235);
    ``None`` for a bare token or another scheme."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER or not token or " " in token:
        return None
    return token


class BodyTooLarge(HTTPException):
    """The body grew past the limit while it streamed in (an HTTPException, so that FastAPI,
    which reads the body, answers it as the 413 it is and not as a parse error)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, too_large(max_bytes))


class TokenThenSize:
    """Refuses unauthenticated or oversized writes under ``/api/`` before reading them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass reads through; check a write's token and size first."""
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") \
                or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1")
                   for key, value in scope["headers"]}
        office = self._office(headers.get("authorization", ""))
        if office is None:
            await _refuse(send, 401, "missing or unknown office token "
                                     "(Authorization: Bearer <token>)")
            return
        declared = headers.get("content-length", "")
        if declared and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _refuse(send, 413, too_large(self.max_bytes))
            return
        scope.setdefault("state", {})["office"] = office
        try:
            await self.app(scope, self._counting(receive), send)
        except BodyTooLarge:
            await _refuse(send, 413, too_large(self.max_bytes))

    @staticmethod
    def _office(authorization: str) -> int | None:
        token = bearer_token(authorization)
        if token is None:
            return None
        with session_scope() as session:
            return office_for(session, token)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        return counted


def too_large(max_bytes: int) -> str:
    """The 413's message."""
    return f"request body larger than {max_bytes // (1024 * 1024)} MB"


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    headers: list[Any] = [(b"content-type", b"application/json"),
                          (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="doorstroom"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
