"""A sandbox that keeps its state on disk, as the real package keeps its books.

The embedded demo keeps the store and the Prefect database across restarts; its packages
must keep theirs too, or a booking the store recorded before a restart would have vanished
from the "package" after it. :class:`DurableApp` writes the whole :class:`Sandbox` (state,
queued faults, limits) to one file before any answer leaves, so that what a caller has been
told is booked survives a SIGKILL of the process an instant later — a commit before the
answer, as a real server does it.

The file is a pickle: only ever read back from the demo's own data folder, never from input.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from connectors.sandbox_kit import Sandbox


def load(path: Path) -> Sandbox | None:
    """The sandbox kept at ``path``, or ``None`` when none was kept."""
    if not path.exists():
        return None
    with path.open("rb") as kept:
        sandbox = pickle.load(kept)  # our own data folder, written below
    if not isinstance(sandbox, Sandbox):
        raise TypeError(f"{path} holds no sandbox; remove it or start with --fresh")
    return sandbox


class DurableApp:
    """ASGI wrapper: the sandbox is written to ``path`` before each answer is sent.

    Answers that are swallowed (a fault drops the connection after the work was done) are
    covered too: the state is written when the request ends, whatever happened. Writes are
    skipped when nothing changed, so reads cost one pickling, not a disk write.
    """

    def __init__(self, app: Any, sandbox: Sandbox, path: Path) -> None:
        self.app = app
        self.sandbox = sandbox
        self.path = path
        self._last = b""

    def save(self) -> None:
        """Write the sandbox atomically (temporary file, fsync, rename) if it changed."""
        with self.sandbox.state.lock:
            data = pickle.dumps(self.sandbox)
        if data == self._last:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
        self._last = data

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve one request; keep the state before its answer starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        saved = False

        async def send_after_saving(message: Any) -> None:
            nonlocal saved
            if message["type"] == "http.response.start" and not saved:
                self.save()
                saved = True
            await send(message)

        try:
            await self.app(scope, receive, send_after_saving)
        finally:
            if not saved:
                self.save()
