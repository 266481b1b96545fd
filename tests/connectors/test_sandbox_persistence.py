"""A sandbox kept on disk: what a caller was answered is in the file before the answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.exact_online.sandbox import ExactOnlineSandbox
from connectors.sandbox_faults import Fault
from connectors.sandbox_persistence import DurableApp, load


def test_a_change_made_through_the_protocol_is_on_disk_and_comes_back(tmp_path: Path) -> None:
    sandbox = ExactOnlineSandbox()
    sandbox.state.add_division(1004, "Brouwerij XYZ", rights=False)
    sandbox.add_fault(Fault(kind="status", status=503, path_contains="PurchaseEntries"))
    kept = tmp_path / "exact.pickle"
    with TestClient(DurableApp(sandbox.app(), sandbox, kept)) as client:
        assert client.post("/_sandbox/divisions/1004/rights", json={"value": True}).is_success

    again = load(kept)

    assert isinstance(again, ExactOnlineSandbox)
    assert again.state.divisions[1004].rights is True
    assert len(again.state.faults) == 1  # queued faults are part of the package's world
    with again.state.lock:  # a fresh lock, usable
        pass


def test_work_done_before_a_swallowed_answer_is_kept(tmp_path: Path) -> None:
    sandbox = ExactOnlineSandbox()
    kept = tmp_path / "exact.pickle"

    async def commits_then_drops(scope: Any, receive: Any, send: Any) -> None:
        sandbox.state.add_division(1007, "Na de commit")
        raise ConnectionAbortedError("dropped after commit")

    client = TestClient(DurableApp(commits_then_drops, sandbox, kept))  # no lifespan
    with pytest.raises(ConnectionAbortedError):
        client.post("/anything")

    again = load(kept)
    assert again is not None and 1007 in again.state.divisions  # type: ignore[attr-defined]


def test_nothing_kept_reads_as_none_and_a_foreign_file_is_refused(tmp_path: Path) -> None:
    assert load(tmp_path / "missing.pickle") is None
    foreign = tmp_path / "foreign.pickle"
    foreign.write_bytes(b"\x80\x04K\x01.")  # pickle of the int 1
    with pytest.raises(TypeError, match="--fresh"):
        load(foreign)
