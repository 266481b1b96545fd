"""``doorstroom serve --process-per-run``: each flow run in its own process, forked from one that
imported the flows, and cancelled from the UI by ending that process."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import prefect.flow_engine
import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.states import Cancelling

from deployments.local_stack import Stack, child_command, wait_for_deployment
from deployments.process_per_run import preload
from deployments.stack_guard import proc_stat
from tests.helpers import alive, wait_until

PROBE_YAML = """
deployments:
  - name: probe
    entrypoint: tests/deployments/probe_flow.py:probe
    description: Writes which process imported it and which runs it.
    tags: [doorstroom-test]
"""


@pytest.fixture
def worker(prefect_stack: Stack, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process-per-run worker serving only the probe deployment."""
    (tmp_path / "prefect.yaml").write_text(PROBE_YAML)
    log = (tmp_path / "worker.log").open("ab")
    process = subprocess.Popen(
        child_command("deployments.serve", "--process-per-run", "--limit", "2"),
        env={**prefect_stack.env, "DOORSTROOM_CHECKOUT": str(tmp_path)},
        stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_deployment(prefect_stack, "probe/probe", process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _run(client: SyncPrefectClient, out: Path, sleep: float) -> UUID:
    deployment = client.read_deployment_by_name("probe/probe")
    return client.create_flow_run_from_deployment(
        deployment.id, parameters={"out": str(out), "sleep": sleep}).id


def _state(client: SyncPrefectClient, run_id: UUID) -> str:
    state = client.read_flow_run(run_id).state
    return state.name if state else "none"


def test_a_run_executes_in_a_process_forked_from_one_that_already_imported_its_flow(
        worker: subprocess.Popen[bytes], tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    with get_client(sync_client=True) as client:
        run_id = _run(client, out, sleep=0)
        wait_until(lambda: _state(client, run_id) == "Completed", 90,
                   lambda: f"the probe run is {_state(client, run_id)}")
    seen = json.loads(out.read_text())
    assert seen["pid"] != worker.pid
    # Imported once in the process the run was forked from (the forkserver), not in the run:
    assert seen["imported_in"] == seen["parent"] != seen["pid"]
    assert int(proc_stat(seen["parent"])[1]) == worker.pid
    # ... with what every run would otherwise do for itself done there once:
    assert seen["prepared"]
    assert seen["prefect_ssl"] == "deployments.prefect_clients"


def test_cancelling_a_run_as_the_ui_does_ends_its_process(
        worker: subprocess.Popen[bytes], tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    with get_client(sync_client=True) as client:
        run_id = _run(client, out, sleep=600)
        wait_until(out.exists, 90, lambda: f"the probe run is {_state(client, run_id)}")
        pid = json.loads(out.read_text())["pid"]
        client.set_flow_run_state(run_id, Cancelling(), force=True)  # the UI's Cancel
        wait_until(lambda: _state(client, run_id) == "Cancelled", 60,
                   lambda: f"the cancelled run is {_state(client, run_id)}")
    wait_until(lambda: not alive(pid), 10, f"the cancelled run's process {pid} still runs")


@pytest.mark.unit
def test_a_prefect_that_no_longer_spawns_its_run_processes_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def run_flow_in_subprocess() -> None:
        """Starts the run some other way."""

    monkeypatch.setattr(prefect.flow_engine, "run_flow_in_subprocess", run_flow_in_subprocess)
    with pytest.raises(RuntimeError, match="no longer asks multiprocessing for 'spawn'"):
        preload(["flows.sync_dossier"])
