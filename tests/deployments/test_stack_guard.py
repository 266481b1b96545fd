"""One stack per folder and ports: refused with what to do; a killed stack's children cleared."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from deployments.stack_guard import (
    StackRefused,
    claim_home,
    clear_orphans,
    ensure_ports_free,
    record_children,
)


def test_a_second_claim_on_a_folder_is_refused_naming_the_holder(tmp_path: Path) -> None:
    first = claim_home(tmp_path)
    try:
        with pytest.raises(StackRefused, match="Another Doorstroom stack") as refused:
            claim_home(tmp_path)
        assert str(__import__("os").getpid()) in str(refused.value)
    finally:
        first.release()
    claim_home(tmp_path).release()  # free again once released


def test_a_port_in_use_is_named_with_the_option_that_moves_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StackRefused, match=f"{port} \\(monitor, --monitor-port\\)"):
            ensure_ports_free({"monitor, --monitor-port": port})


def test_children_a_killed_stack_left_are_killed_and_a_reused_pid_is_not(
        tmp_path: Path) -> None:
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record_children(tmp_path, [orphan.pid])
        (tmp_path / "stack.children.json").write_text(
            (tmp_path / "stack.children.json").read_text()[:-1]
            + f', {{"pid": {stranger.pid}, "started": "1"}}]')  # same pid, other process

        assert clear_orphans(tmp_path) == [orphan.pid]

        assert orphan.wait(timeout=5) == -9
        assert stranger.poll() is None
        assert not (tmp_path / "stack.children.json").exists()
    finally:
        stranger.kill()
        orphan.kill()
