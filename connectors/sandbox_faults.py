"""Fault injection shared by every sandbox: latency, error statuses, garbage, dropped commits.

A sandbox wraps its ASGI app in :class:`FaultInjector` and gives it a function that renders
an error status in the package's own body shape; tests and the demo queue :class:`Fault`s.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response


class Fault(BaseModel):
    """An injected fault, matched on method and path, applied ``times`` times."""

    kind: str  # "status" | "latency" | "drop_after_commit" | "hold_after_commit" | "garbage"
    method: str | None = None
    path_contains: str | None = None
    soap_action: str | None = None  # for SOAP sandboxes: a fragment of the SOAPAction header
    status: int = 503
    retry_after: int | None = None
    seconds: float = 0.0
    times: int = 1

    def matches(self, method: str, path: str, soap_action: str = "") -> bool:
        """Whether this fault applies to a request."""
        return (self.method is None or self.method == method) and (
            self.path_contains is None or self.path_contains in path
        ) and (self.soap_action is None or self.soap_action in soap_action)


class FaultQueue:
    """Queued faults; the first matching request consumes one use of a fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.http_429 = 0
        self.holding = threading.Event()
        """Set while a ``hold_after_commit`` fault holds an answer back (the work is done)."""
        self.release = threading.Event()
        """Set to let held answers go (as dropped connections)."""

    def __getstate__(self) -> dict[str, Any]:
        """The queued faults and counts are kept; locks and events start afresh."""
        with self._lock:
            return {"faults": list(self._faults), "http_429": self.http_429}

    def __setstate__(self, kept: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self._faults = kept["faults"]
        self.http_429 = kept["http_429"]

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str, soap_action: str = "") -> Fault | None:
        """The first matching fault, with one use consumed."""
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path, soap_action):
                    fault.times -= 1
                    return fault
        return None

    def clear(self) -> None:
        """Drop every queued fault (an outage ends)."""
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for fault in self._faults if fault.times > 0)


ErrorRenderer = Callable[[int, dict[str, str]], Response]


class FaultInjector:
    """ASGI wrapper that applies queued faults before (or, for drops, after) the app runs.

    A pure ASGI layer, because only here can a connection be dropped after the app has
    committed its work: the app's answer is swallowed and the socket closed mid-response.
    Paths under ``/_sandbox`` (the controls) are never faulted.
    """

    def __init__(self, app: Any, faults: FaultQueue, render_error: ErrorRenderer) -> None:
        self.app = app
        self.faults = faults
        self.render_error = render_error

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve one ASGI request, applying the first matching fault."""
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        soap_action = headers.get(b"soapaction", b"").decode("latin-1")
        fault = self.faults.take(scope["method"], path, soap_action)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "latency":
            await asyncio.sleep(fault.seconds)
            await self.app(scope, receive, send)
        elif fault.kind == "garbage":
            await Response("<html>proxy error</html>", media_type="text/html")(
                scope, receive, send)
        elif fault.kind == "hold_after_commit":
            await self._hold(scope, receive, fault.seconds)
        elif fault.kind == "drop_after_commit":
            await self.app(scope, receive, _discard)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", b"4096")]})
            raise ConnectionAbortedError("sandbox: connection dropped after commit")
        else:
            await self._answer_status(fault)(scope, receive, send)

    async def _hold(self, scope: Any, receive: Any, seconds: float) -> None:
        """Do the work, then keep the caller waiting (a crash drill kills it meanwhile)."""
        await self.app(scope, receive, _discard)
        self.faults.holding.set()
        deadline = asyncio.get_running_loop().time() + seconds
        while not self.faults.release.is_set() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        self.faults.holding.clear()
        raise ConnectionAbortedError("sandbox: held answer dropped")

    def _answer_status(self, fault: Fault) -> Response:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
        if fault.status == 429:
            self.faults.http_429 += 1
            return Response(status_code=429, headers=headers)
        return self.render_error(fault.status, headers)


async def _discard(_message: Any) -> None:
    """An ASGI ``send`` that throws the app's answer away."""


class Flag(BaseModel):
    """Control payload of every sandbox: switch something on or off."""

    value: bool


def add_fault_routes(app: Any, faults: FaultQueue) -> None:
    """``POST /_sandbox/faults`` (queue a fault), ``GET /_sandbox/faults`` (how many) and
    ``DELETE /_sandbox/faults`` (drop them all: an outage played with a huge ``times`` ends)."""

    @app.post("/_sandbox/faults")
    def queue_fault(payload: Fault) -> dict[str, int]:
        faults.add(payload)
        return {"queued": len(faults)}

    @app.get("/_sandbox/faults")
    def count_faults() -> dict[str, int]:
        return {"queued": len(faults), "http_429": faults.http_429}

    @app.delete("/_sandbox/faults")
    def clear_faults() -> dict[str, int]:
        faults.clear()
        return {"queued": 0}
