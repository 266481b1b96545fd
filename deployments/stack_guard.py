"""One embedded stack per data folder, on free ports, with nothing left of an earlier one.

A start claims its folder with an exclusive lock (released by the kernel however the
process ends), clears children a killed stack may have left running on the folder's
databases, and refuses ports another program holds — each with a message that says what
to do, instead of deleting databases in use or talking to somebody else's server.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

LOCK_FILE = "stack.lock"
CHILDREN_FILE = "stack.children.json"


class StackRefused(Exception):
    """The stack cannot start here; the message tells the operator what to do."""


class HomeClaim:
    """The lock on a data folder, held while the stack runs."""

    def __init__(self, home: Path, handle: IO[str]) -> None:
        self.home = home
        self._handle = handle

    def release(self) -> None:
        """Give the folder back (also done by the kernel when the process ends)."""
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def claim_home(home: Path) -> HomeClaim:
    """Lock ``home`` for this process, or say which process has it."""
    home.mkdir(parents=True, exist_ok=True)
    handle = (home / LOCK_FILE).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise StackRefused(
            f"Another Doorstroom stack (process {holder}) is running from {home}. "
            "Stop it first (Ctrl-C in its terminal), or give this one its own folder "
            "with DOORSTROOM_HOME=<folder>.") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return HomeClaim(home, handle)


def proc_stat(pid: int) -> list[str]:
    """The fields of Linux's ``/proc/<pid>/stat`` after the command name: state, parent pid,
    …; ``OSError`` when the process is gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _started(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (tells a reused pid apart), or None if gone."""
    try:
        return proc_stat(pid)[19]
    except OSError:
        return None


def record_children(home: Path, pids: Iterable[int]) -> None:
    """Remember the running children, so a later start can clear them if this one is
    killed before it could stop them."""
    known = [{"pid": pid, "started": _started(pid)} for pid in pids]
    (home / CHILDREN_FILE).write_text(json.dumps(known))


def clear_orphans(home: Path, timeout: float = 10.0) -> list[int]:
    """Kill children an earlier stack of ``home`` left running; return their pids.

    Only processes whose pid *and* start time match the record are touched, so a pid the
    system has since given to another program is left alone.
    """
    record = home / CHILDREN_FILE
    try:
        known = json.loads(record.read_text())
    except (OSError, ValueError):
        return []
    alive = [child["pid"] for child in known
             if child.get("started") and _started(child["pid"]) == child["started"]]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while any(_started(pid) for pid in alive) and time.monotonic() < deadline:
        time.sleep(0.1)
    record.unlink(missing_ok=True)
    return alive


def ensure_ports_free(ports: Mapping[str, int]) -> None:
    """Refuse to start when a port the stack needs is taken, naming it and its option."""
    taken = []
    for what, port in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                taken.append(f"{port} ({what})")
    if taken:
        raise StackRefused(
            "These ports of 127.0.0.1 are in use by another program: " + ", ".join(taken)
            + ". Stop that program, or choose other ports (doorstroom demo --help).")
