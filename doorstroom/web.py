"""What both web apps (monitor and ingest API) take from a request the same way: row ids and
page numbers that fit the database, and a body size checked before the body is read."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import Path, Query
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row id of the store")]
"""Ids past a 64-bit integer are refused as input, not left to the database's overflow
(which answered 500)."""
Page = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]
"""A page past any real list is refused: its offset overflowed the database too."""

WRITES = ("POST", "PUT", "PATCH")


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` that downloads (never renders) a file under its own name:
    an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def too_large(max_bytes: int) -> str:
    """The 413's message."""
    return f"request body larger than {max_bytes // 1024} KB"


class BodyTooLarge(HTTPException):
    """The body grew past the limit while it streamed in (an HTTPException, so that FastAPI,
    which reads the body, answers it as the 413 it is and not as a parse error)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, too_large(max_bytes))


class BodyLimit:
    """ASGI middleware: a write whose body is declared or streams past ``max_bytes`` is a 413
    before more than the limit is read (FastAPI and Starlette's form parser read whole
    bodies into memory: 150 MB once took a process from 200 to 650 MB)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Reads pass; a write is measured."""
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        declared = header(scope, "content-length")
        if declared and (not declared.isdigit() or int(declared) > self.max_bytes):
            await refuse(send, 413, too_large(self.max_bytes))
            return
        try:
            await self.app(scope, self._counting(receive), send)
        except BodyTooLarge:  # raised outside FastAPI's own handling
            await refuse(send, 413, too_large(self.max_bytes))

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


def header(scope: Scope, name: str) -> str:
    """One request header (the last one of that name), ``""`` when absent."""
    wanted = name.encode("latin-1")
    found = ""
    for key, value in scope["headers"]:
        if key.lower() == wanted:
            found = value.decode("latin-1")
    return found


async def refuse(send: Send, status: int, message: str,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer ``{"detail": message}`` with ``status`` without touching the app."""
    body = json.dumps({"detail": message}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
