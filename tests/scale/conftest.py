"""A scaled-out Doorstroom: PostgreSQL behind Prefect server and the store, two workers."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
from prefect.settings.legacy import Setting

from blocks.smtp import SMTP_BLOCK
from connectors.exact_online.sandbox import ExactOnlineSandbox
from connectors.sandbox_server import SandboxServer, free_port
from deployments.demo.mailbox import Mailbox
from deployments.local_stack import (
    Stack,
    prefect_env,
    start_prefect_server,
    start_worker,
    wait_for_deployment,
)
from doorstroom.operations.setup import NEEDED, setup
from doorstroom.store.db import migrate
from tests.conftest import ARTIFACTS
from tests.postgres import Postgres
from tests.sandboxes import RunningExact


def prefect_of(stack: Stack) -> dict[Setting, str]:
    """Settings that point this process's Prefect client at the cluster's server."""
    return {PREFECT_API_URL: stack.env["PREFECT_API_URL"],
            PREFECT_API_AUTH_STRING: stack.env["PREFECT_API_AUTH_STRING"]}

EXACT_BLOCK = "exact-scale"


@dataclass
class Cluster:
    """The running parts, and how to add or kill workers."""

    stack: Stack
    store_url: str
    exact: RunningExact
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    """Each worker's log, in the order of :attr:`workers`."""

    def start_worker(self) -> subprocess.Popen[bytes]:
        """One more ``doorstroom serve`` process (in-process mode, 4 runs at a time; the dispatch
        sweep every 10 s: every 3 s its own runs took a tenth of the two cores)."""
        log = ARTIFACTS / f"scale-worker-{len(self.workers) + 1}.log"
        worker = start_worker(self.stack, log, "--every=dispatch=10", "--limit", "4")
        wait_for_deployment(self.stack, "sync-dossier/sync-dossier", worker)
        self.workers.append(worker)
        self.logs.append(log)
        return worker

    def keep_workers(self, count: int = 2) -> None:
        """Start workers until ``count`` are alive: a drill before killed some, and the next
        test's load is meant for two."""
        while sum(worker.poll() is None for worker in self.workers) < count:
            self.start_worker()


@pytest.fixture(scope="module")
def cluster(store_url: str, mailbox: Mailbox) -> Iterator[Cluster]:
    """PostgreSQL, a Prefect server on it, the store on it, an Exact sandbox, two workers."""
    root = Path(tempfile.mkdtemp(prefix="doorstroom-scale-"))
    postgres = Postgres.start(root)
    exact = ExactOnlineSandbox()
    sandbox = SandboxServer(exact.app()).start()
    stack = Stack(env={})
    try:
        for database in ("prefect", "store"):
            postgres.create_database(database)
        store = postgres.url("store")
        stack.env = prefect_env(root / "home", free_port(), store)
        stack.env["PREFECT_API_DATABASE_CONNECTION_URL"] = postgres.url("prefect", "asyncpg")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        start_prefect_server(stack, ARTIFACTS / "scale-prefect-server.log")
        migrate(store)
        built = Cluster(stack, store, RunningExact(exact, sandbox.url))
        with temporary_settings(prefect_of(stack)):
            built.start_worker()
            built.start_worker()
            for name in NEEDED:  # what setup wires its automations to
                wait_for_deployment(stack, name, built.workers[0])
            built.exact.connection().save(EXACT_BLOCK, overwrite=True)
            mailbox.connection("Doorstroom <noreply@doorstroom.test>").save(SMTP_BLOCK,
                                                                            overwrite=True)
            setup()
            yield built
    finally:
        stack.stop()
        sandbox.stop()
        postgres.stop()
        shutil.copy(root / "pgdata" / "server.log", ARTIFACTS / "scale-postgres.log")
        shutil.rmtree(root, ignore_errors=True)
