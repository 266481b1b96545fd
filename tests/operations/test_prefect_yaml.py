"""The operator's path: ``prefect deploy --all`` against a fresh server, then ``setup``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
import yaml

from connectors.sandbox_server import free_port
from deployments.local_stack import Stack, prefect_env, start_prefect_server
from doorstroom.operations import automations

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A Prefect server of its own (the session's serves deployments the tests rely on)."""
    home = tmp_path_factory.mktemp("fresh-prefect")
    stack = Stack(env=prefect_env(home, free_port(), f"sqlite:///{home / 'store.db'}"))
    stack.env.update(DOORSTROOM_CHECKOUT=str(REPO), PREFECT_LOGGING_TO_API_ENABLED="false")
    stack.env.pop("PREFECT_PROFILES_PATH", None)
    try:
        start_prefect_server(stack, home / "server.log")
        yield stack
    finally:
        stack.stop()


def run(stack: Stack, *command: str) -> str:
    done = subprocess.run(command, cwd=REPO, env=stack.env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_prefect_deploy_all_then_setup_creates_every_deployment_and_automation(
        fresh_server: Stack) -> None:
    declared = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]
    run(fresh_server, str(BIN / "prefect"), "work-pool", "create", "doorstroom",
        "--type", "process")
    run(fresh_server, str(BIN / "prefect"), "--no-prompt", "deploy", "--all")
    listed = run(fresh_server, str(BIN / "prefect"), "deployment", "ls")
    for deployment in declared:
        assert deployment["name"] in listed
    every = len(automations.definitions(uuid4(), uuid4(), automations.Bounds(), uuid4(),
                                        uuid4()))
    setup = run(fresh_server, str(BIN / "doorstroom"), "setup")
    assert setup.count(": created") == every == 5  # every automation of operations.automations
    assert run(fresh_server, str(BIN / "doorstroom"), "setup").count(": unchanged") == every

    from prefect.client.orchestration import SyncPrefectClient

    with SyncPrefectClient(fresh_server.env["PREFECT_API_URL"],
                           auth_string=fresh_server.env["PREFECT_API_AUTH_STRING"]) as client:
        for deployment in declared:
            stored = client.read_deployment_by_name(
                f"{deployment['entrypoint'].split(':')[1].replace('_', '-')}/"
                f"{deployment['name']}")
            assert stored.work_pool_name == "doorstroom"
            assert "doorstroom" in stored.tags
            assert len(stored.schedules) == len(deployment.get("schedules", []))
