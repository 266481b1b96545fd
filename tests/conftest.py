"""Session-wide test environment: one store, one Prefect server and one worker, started lazily.

The environment is set before anything imports Prefect, so in-process calls and the worker's
subprocesses talk to the same server and store.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from deployments.prefect_auth import auth_string

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-tests-"))
PREFECT_AUTH = auth_string(RUN_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PREFECT_PORT = _free_port()
os.environ.update({
    "PREFECT_HOME": str(RUN_DIR / "prefect"),
    "PREFECT_API_URL": f"http://127.0.0.1:{PREFECT_PORT}/api",
    "PREFECT_API_AUTH_STRING": PREFECT_AUTH,  # the session's server asks for it (prefect_env)
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DOORSTROOM_DATABASE_URL": f"sqlite:///{RUN_DIR / 'store.db'}",
    "DOORSTROOM_RETRY_DELAYS": "[0.2, 0.2, 0.2]",
    # An outage's follower looks every 2 s and restarts up to 1,200 runs a minute.
    "DOORSTROOM_INCIDENT_PROBE_SECONDS": "2",
    "DOORSTROOM_INCIDENT_RESTARTS_PER_MINUTE": "1200",
    # Heartbeats come every 30 s (Prefect's minimum): a run silent for 45 s is crashed.
    "DOORSTROOM_HEARTBEAT_TIMEOUT_SECONDS": "45",
    "DOORSTROOM_MONITOR_URL": "https://monitor.test",
    # In-process flows of the tests need no API logs (and would flush them after teardown);
    # the worker, which runs the real flow runs, keeps them (see prefect_stack).
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
})

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from blocks.smtp import SMTP_BLOCK  # noqa: E402
from connectors.registry import PACKAGES  # noqa: E402
from connectors.sandbox_server import free_port  # noqa: E402
from deployments.demo.mailbox import Mailbox  # noqa: E402
from deployments.local_stack import (  # noqa: E402
    Stack,
    prefect_env,
    start_prefect_server,
    start_worker,
    wait_for_deployment,
)
from doorstroom.monitor.app import create_app as create_monitor_app  # noqa: E402
from doorstroom.monitor.config import MonitorConfig  # noqa: E402
from doorstroom.operations.setup import NEEDED, setup  # noqa: E402
from doorstroom.store.db import migrate  # noqa: E402
from tests.sandboxes import Running, RunningExact, running  # noqa: E402

T = TypeVar("T")
ARTIFACTS = Path(os.environ.get("DOORSTROOM_TEST_ARTIFACTS", "test-artifacts")).resolve()


@pytest.fixture(scope="session")
def store_url() -> str:
    """The session's store, migrated to the newest schema."""
    url = os.environ["DOORSTROOM_DATABASE_URL"]
    migrate(url)
    return url


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 keeping every message of the session."""
    box = Mailbox(RUN_DIR / "mail", free_port()).start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def prefect_stack(store_url: str, mailbox: Mailbox) -> Iterator[Stack]:
    """A real Prefect server on 127.0.0.1 and the serving worker, for the whole session,
    with the SMTP block pointing at ``mailbox`` and every automation set up."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stack = Stack(env=prefect_env(RUN_DIR, PREFECT_PORT, store_url))
    stack.env["PREFECT_LOGGING_TO_API_ENABLED"] = "true"
    try:
        start_prefect_server(stack, ARTIFACTS / "prefect-server.log")
        # Dispatch and the office notices only when a test calls them: their mails are counted.
        worker = start_worker(stack, ARTIFACTS / "worker.log", "--every=dispatch=3600",
                              "--every=notify-office=86400")
        for name in ("sync-dossier/sync-dossier", *NEEDED):
            wait_for_deployment(stack, name, worker)
        mailbox.connection("Doorstroom <noreply@doorstroom.test>").save(SMTP_BLOCK, overwrite=True)
        setup()
        yield stack
    finally:
        stack.stop()


@contextmanager
def serving(package: str, state: Any = None) -> Iterator[Any]:
    """A package's sandbox (from its descriptor) on a free port, for one test."""
    with running(PACKAGES[package].sandbox(state)) as served:
        yield served


@pytest.fixture
def exact_sandbox() -> Iterator[RunningExact]:
    """An Exact Online sandbox on a free port of 127.0.0.1, fresh for each test."""
    with serving("exact_online") as served:
        yield served


@pytest.fixture
def winbooks_sandbox() -> Iterator[Running]:
    """A WinBooks on Web sandbox on a free port of 127.0.0.1, fresh for each test."""
    with serving("winbooks") as served:
        yield served


@pytest.fixture(params=["wings", "expert_m"])
def agent_sandbox(request: pytest.FixtureRequest) -> Iterator[Running]:
    """An on-premise agent sandbox (Wings or Expert/M) on a free port of 127.0.0.1."""
    with serving(request.param) as served:
        yield served


@pytest.fixture
def adsolut_sandbox() -> Iterator[Running]:
    """An Adsolut ExchangeService sandbox on a free port of 127.0.0.1."""
    with serving("adsolut") as served:
        yield served


def saved_block(sandbox: Any, prefix: str, request: pytest.FixtureRequest) -> str:
    """Save ``sandbox.connection()`` under a name derived from the test; return the name."""
    name = f"{prefix}-" + request.node.name.lower().replace("_", "-")[:40]
    name = "".join(ch for ch in name if ch.isalnum() or ch == "-")
    sandbox.connection().save(name, overwrite=True)
    return name


@pytest.fixture
def exact_block(prefect_stack: object, exact_sandbox: RunningExact,
                request: pytest.FixtureRequest) -> str:
    """A saved Exact Online connection block for this test's sandbox."""
    return saved_block(exact_sandbox, "exact", request)


@pytest.fixture
def winbooks_block(prefect_stack: object, winbooks_sandbox: Running,
                   request: pytest.FixtureRequest) -> str:
    """A saved WinBooks connection block for this test's sandbox."""
    return saved_block(winbooks_sandbox, "winbooks", request)


@pytest.fixture
def agent_block(prefect_stack: object, agent_sandbox: Running,
                request: pytest.FixtureRequest) -> str:
    """A saved agent connection block for this test's agent."""
    return saved_block(agent_sandbox, "agent", request)


@pytest.fixture
def adsolut_block(prefect_stack: object, adsolut_sandbox: Running,
                  request: pytest.FixtureRequest) -> str:
    """A saved Adsolut connection block for this test's sandbox."""
    return saved_block(adsolut_sandbox, "adsolut", request)


@pytest.fixture
def monitor(store_url: str) -> Iterator[TestClient]:
    """A client of a fresh monitor app with secure cookies (so: https)."""
    app = create_monitor_app(MonitorConfig(session_key=SecretStr("test-key-" * 6),
                                           prefect_ui_url="http://127.0.0.1:4200"))
    with TestClient(app, base_url="https://monitor.test", follow_redirects=False) as client:
        yield client


LAYERS = ("unit", "e2e", "scale")
PREFECT_FIXTURES = {"prefect_stack", "fresh_server"}
"""Fixtures that start a real Prefect server."""
OWN_STACK = ("tests/scale/", "tests/deployments/test_kill_drill.py")
"""Tests that start a whole stack of their own (PostgreSQL, the demo) and mostly wait on it."""


def _own_stack(location: str) -> bool:
    """Whether a test (its path or node id) starts a stack of its own."""
    return any(part in location for part in OWN_STACK)


def _group(item: pytest.Item) -> str | None:
    """Which test process runs a test when the suite runs in two (``pytest -n 2``).

    The tests that start a stack of their own go together to one process; the tests on the
    session's Prefect server go together to the other, so the session stack starts once; unit
    tests fill in wherever there is room. Much of the own-stack tests' time is waiting (an
    outage of minutes, heartbeats that must stop), which the other process uses. Measured on
    2 cores with the groups in force (pytest 9.1): 802 s of pytest, 731 tests.
    """
    fixtures = set(getattr(item, "fixturenames", ()))
    if _own_stack(item.path.as_posix()):
        return "own-stack"
    if PREFECT_FIXTURES & fixtures:  # a fresh server of its own is short: it fills in here
        return "session-stack"
    return None


def _layer(item: pytest.Item) -> str:
    """What a test needs, read off its fixtures and folder, not trusted to a comment."""
    if "tests/scale/" in item.path.as_posix():
        return "scale"
    if PREFECT_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "e2e"
    return "unit"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test its layer marker, the heavier of what it claims and what it uses.

    A test that claims a lighter layer than its fixtures need (``unit`` with the Prefect
    stack) is an error: ``pytest -m unit`` must never start a server.
    """
    for item in items:
        needed = _layer(item)
        claimed = [name for name in LAYERS if item.get_closest_marker(name)]
        if any(LAYERS.index(name) < LAYERS.index(needed) for name in claimed):
            raise pytest.UsageError(f"{item.nodeid} is marked {claimed} but needs {needed}")
        if not claimed:
            item.add_marker(getattr(pytest.mark, needed))
        group = _group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Fail loudly when xdist ignores the groups: the own-stack tests would run beside each
    other in both processes (two PostgreSQL clusters, two demo stacks, one log file written by
    both) — as they did unseen while pytest 9.2 dropped the groups (pytest-xdist#1386)."""
    lost = [nodeid for nodeid in ids if _own_stack(nodeid) and "@" not in nodeid]
    if lost:
        raise pytest.UsageError(f"xdist did not group {len(lost)} tests, e.g. {lost[0]}")
