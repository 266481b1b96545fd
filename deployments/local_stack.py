"""Starts the embedded stack's processes: Prefect server (SQLite) and the serving worker.

Used by the demo command and by the integration tests, so both run the same real parts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


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


def reset_home(home: Path) -> None:
    """A fresh embedded home: the previous store and Prefect database are removed."""
    shutil.rmtree(home / "prefect", ignore_errors=True)
    for stale in home.glob("store.db*"):
        stale.unlink()
    (home / "prefect").mkdir(parents=True)


def prefect_env(home: Path, port: int, store_url: str) -> dict[str, str]:
    """Environment for every process of the stack: where Prefect and the store are."""
    env = dict(os.environ)
    env.update({
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
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
    return env


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    """Poll ``url`` until it answers 200, failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} was up")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {timeout:.0f} s")


def start_prefect_server(stack: Stack, log_path: Path) -> None:
    """Prefect server with its UI on 127.0.0.1, database under PREFECT_HOME (SQLite)."""
    Path(stack.env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", stack.env["PREFECT_SERVER_API_PORT"]],
        env=stack.env, stdout=log, stderr=subprocess.STDOUT,
    )
    stack.processes.append(process)
    wait_for_health(stack.env["PREFECT_API_URL"] + "/health", process)


def start_worker(stack: Stack, log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """The serving worker (``deployments.serve``)."""
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "deployments.serve", *args],
        env=stack.env, stdout=log, stderr=subprocess.STDOUT,
    )
    stack.processes.append(process)
    return process


def wait_for_deployment(stack: Stack, name: str, process: subprocess.Popen[bytes],
                        timeout: float = 90) -> None:
    """Wait until the worker has registered deployment ``flow/deployment``."""
    wait_for_health(f"{stack.env['PREFECT_API_URL']}/deployments/name/{name}", process, timeout)
