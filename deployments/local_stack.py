"""Starts the embedded stack's processes: Prefect server (SQLite) and the serving worker.

Used by the demo command and by the integration tests, so both run the same real parts.
Every child is started through :mod:`deployments.child`, so it dies with the process that
started it; :class:`Supervisor` starts a child again when it dies while the stack runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deployments.prefect_auth import auth_string, basic_auth_header
from doorstroom.settings import get_settings


@dataclass
class Stack:
    """Child processes of the local stack and the environment they share."""

    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        """Terminate every child, newest first, then kill what lingers."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def child_command(*command: str) -> list[str]:
    """``command`` (a Python module and its arguments) launched to die with this process."""
    return [sys.executable, "-m", "deployments.child", str(os.getpid()), sys.executable,
            "-m", *command]


def reset_home(home: Path) -> None:
    """A fresh embedded home: the previous store and Prefect database are removed."""
    shutil.rmtree(home / "prefect", ignore_errors=True)
    for stale in home.glob("store.db*"):
        stale.unlink()
    (home / "prefect").mkdir(parents=True)


def prefect_env(home: Path, port: int, store_url: str) -> dict[str, str]:
    """Environment for every process of the stack: where Prefect and the store are, and the
    Prefect API's auth string (server and clients), kept in ``home``."""
    env = dict(os.environ)
    auth = auth_string(home)
    env.update({
        "PREFECT_SERVER_API_AUTH_STRING": auth,
        "PREFECT_API_AUTH_STRING": auth,
        # Leases of concurrency slots (the token-refresh locks) kept on disk: in memory
        # (Prefect's default) they die with the server, and a slot held at that moment
        # stays taken for good (measured: still held 100 s after a 60 s lease).
        "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE":
            "prefect.server.concurrency.lease_storage.filesystem",
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        # The server runs without CSRF protection (Prefect's default; the auth string guards
        # the API), so clients need not ask for a token: every new client did, and got 422.
        "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "false",
        "PREFECT_CLIENT_CSRF_SUPPORT_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": os.environ.get("PREFECT_RUNNER_POLL_FREQUENCY", "2"),
        # SQLite has one writer: let the server write task runs and events in batches
        # instead of one transaction per event (defaults: 1 and 20).
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "100",
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_READ_BATCH_SIZE": "100",
        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL": "1",
        "DOORSTROOM_DATABASE_URL": store_url,
    })
    # Prefect prunes its own events; it keeps them as long as the store keeps its detail.
    env.setdefault("PREFECT_SERVER_EVENTS_RETENTION_PERIOD",
                   f"P{get_settings().retention_days}D")
    return env


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 90,
                    auth: str | None = None) -> None:
    """Poll ``url`` (with Prefect's ``auth`` string, if given) until it answers 200, failing
    early if the process died."""
    headers = basic_auth_header(auth) if auth else {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} was up")
        try:
            if httpx.get(url, timeout=2, headers=headers).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {timeout:.0f} s")


def start_prefect_server(stack: Stack, log_path: Path) -> subprocess.Popen[bytes]:
    """Prefect server with its UI on 127.0.0.1, database under PREFECT_HOME (SQLite), its
    transactions waiting for SQLite's write lock (:mod:`deployments.prefect_server`)."""
    Path(stack.env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    process = subprocess.Popen(
        child_command("deployments.prefect_server", "start", "--host", "127.0.0.1",
                      "--port", stack.env["PREFECT_SERVER_API_PORT"]),
        env=stack.env, stdout=log, stderr=subprocess.STDOUT,
    )
    stack.processes.append(process)
    try:
        wait_for_health(stack.env["PREFECT_API_URL"] + "/health", process)
    except (RuntimeError, TimeoutError):
        process.kill()
        stack.processes.remove(process)
        raise
    return process


def start_worker(stack: Stack, log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """The serving worker (``deployments.serve``)."""
    log = log_path.open("ab")
    process = subprocess.Popen(
        child_command("deployments.serve", *args),
        env=stack.env, stdout=log, stderr=subprocess.STDOUT,
    )
    stack.processes.append(process)
    return process


def wait_for_deployment(stack: Stack, name: str, process: subprocess.Popen[bytes],
                        timeout: float = 90) -> None:
    """Wait until the worker has registered deployment ``flow/deployment``."""
    wait_for_health(f"{stack.env['PREFECT_API_URL']}/deployments/name/{name}", process, timeout,
                    stack.env.get("PREFECT_API_AUTH_STRING"))


@dataclass
class Supervised:
    """A child the stack keeps alive, and how it has fared."""

    name: str
    start: Callable[[], subprocess.Popen[bytes]]
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)
    failures: int = 0
    due: float | None = None
    """When a dead child is started again (monotonic clock); ``None`` while it runs."""


HEALTHY_AFTER = 60.0
"""A child that ran this long before it died is restarted at once, not after a back-off."""
MAX_BACKOFF = 60.0


@dataclass
class Supervisor:
    """Starts the stack's children again when they die, with a growing back-off.

    A dead worker or Prefect server must not take the sandboxes, the monitor and the ingest
    API with it: office staff keep their page, documents keep being accepted, and the child
    comes back — at once if it had run a while, else after 2, 4 … 60 s so that one that
    cannot start does not spin.
    """

    stack: Stack
    say: Callable[[str], None] = print
    children: list[Supervised] = field(default_factory=list)

    def watch(self, name: str, start: Callable[[], subprocess.Popen[bytes]],
              process: subprocess.Popen[bytes]) -> None:
        """Keep ``process`` alive; ``start`` starts a new one (appending it to the stack)."""
        self.children.append(Supervised(name, start, process))

    def heal(self) -> None:
        """Notice dead children and start those whose back-off has passed."""
        now = time.monotonic()
        for child in self.children:
            if child.due is None and child.process.poll() is not None:
                self._schedule(child, now)
            elif child.due is not None and now >= child.due:
                self._restart(child)

    def _schedule(self, child: Supervised, now: float) -> None:
        ran = now - child.started
        child.failures = 0 if ran >= HEALTHY_AFTER else child.failures + 1
        wait = min(MAX_BACKOFF, 2.0 ** child.failures) if child.failures else 0.0
        child.due = now + wait
        self.say(f"The {child.name} stopped (exit code {child.process.returncode}) after "
                 f"{ran:.0f} s; starting it again in {wait:.0f} s.")

    def _restart(self, child: Supervised) -> None:
        if child.process in self.stack.processes:
            self.stack.processes.remove(child.process)
        child.due = None
        child.started = time.monotonic()
        try:
            child.process = child.start()
        except (RuntimeError, TimeoutError, OSError) as error:
            self.say(f"The {child.name} did not come back: {error}")
            self._schedule(child, time.monotonic())
            return
        self.say(f"The {child.name} is running again.")


@contextmanager
def serving_stack(run_dir: Path, port: int, store_url: str,
                  *worker_args: str) -> Iterator[Stack]:
    """The embedded stack of a benchmark: a Prefect server on SQLite under ``run_dir`` and
    the serving worker with ``sync-dossier`` and the housekeeping deployments registered
    (the caller saves its blocks, then runs ``setup``); stopped on leaving."""
    from doorstroom.operations.setup import NEEDED  # the wiring: only where a stack starts

    stack = Stack(env=prefect_env(run_dir, port, store_url))
    try:
        start_prefect_server(stack, run_dir / "prefect-server.log")
        worker = start_worker(stack, run_dir / "worker.log", *worker_args)
        for name in ("sync-dossier/sync-dossier", *NEEDED):
            wait_for_deployment(stack, name, worker)
        yield stack
    finally:
        stack.stop()
