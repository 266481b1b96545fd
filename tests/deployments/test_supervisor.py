"""The stack starts a dead child again: at once after a long run, with a back-off otherwise."""

from __future__ import annotations

import subprocess
import sys
import time

from deployments.local_stack import Stack, Supervisor


def _exits(code: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", f"raise SystemExit({code})"])


def test_a_child_that_keeps_dying_comes_back_with_a_growing_back_off() -> None:
    said: list[str] = []
    stack = Stack(env={})
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        started.append(_exits(3))
        stack.processes.append(started[-1])
        return started[-1]

    supervisor = Supervisor(stack, say=said.append)
    supervisor.watch("worker", start, start())
    deadline = time.monotonic() + 8
    while len(started) < 3 and time.monotonic() < deadline:
        supervisor.heal()
        time.sleep(0.05)

    assert len(started) == 3, said
    assert said[0].startswith("The worker stopped (exit code 3)")
    waits = [line.rsplit(" in ", 1)[1] for line in said if "starting it again" in line]
    assert waits[:2] == ["2 s.", "4 s."]
    assert "The worker is running again." in said
    assert started[-1] in stack.processes and started[0] not in stack.processes


def test_a_child_that_ran_a_long_time_is_restarted_at_once() -> None:
    said: list[str] = []
    stack = Stack(env={})
    supervisor = Supervisor(stack, say=said.append)
    supervisor.watch("Prefect server", lambda: _exits(0), _exits(1))
    supervisor.children[0].started -= 3600
    supervisor.children[0].process.wait()

    supervisor.heal()

    assert said == ["The Prefect server stopped (exit code 1) after 3600 s; "
                    "starting it again in 0 s."]
