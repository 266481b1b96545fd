"""Small measures the benchmarks share: CPU seconds of a process, a percentile, a profile."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from deployments.stack_guard import proc_stat


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User + system CPU seconds of a process and (``children``) all its descendants, running
    or finished (Linux /proc). A process's finished children count only once it has waited
    for them, and a forkserver's only when it ends: the running descendants are added.
    A bench's own process leaves its children out: they are its profilers."""
    own = proc_stat(pid)[11:15] if children else proc_stat(pid)[11:13]
    total = sum(int(value) for value in own)
    if children:
        total += sum(sum(int(value) for value in proc_stat(child)[11:15])
                     for child in _descendants(pid))
    return total / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """The running processes below ``pid`` (this kernel has no /proc/<pid>/task/*/children)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        try:
            parent = int(proc_stat(int(entry.name))[1]) if entry.name.isdigit() else None
        except (OSError, ValueError, IndexError):  # ended while being read
            continue
        if parent is not None:
            parents.setdefault(parent, []).append(int(entry.name))
    found, frontier = [], [pid]
    while frontier:
        below = parents.get(frontier.pop(), [])
        found.extend(below)
        frontier.extend(below)
    return found


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank); 0 for no values."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else 0.0


@dataclass
class Profile:
    """A ``py-spy record`` of one process while a benchmark runs (CPU samples only)."""

    name: str
    path: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, name: str, pid: int, folder: Path, rate: int = 100,
              wall: bool = False) -> Profile:
        """Sample ``pid`` ``rate`` times a second into ``folder/<name>.txt`` (collapsed
        stacks), without pausing it, with the processes it starts (a worker's run processes);
        ``wall`` keeps the samples of waiting threads too (where a run's time goes, not only
        its CPU)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.txt"
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
             "--rate", str(rate), "--format", "raw", "--nonblocking", "--subprocesses",
             "--output", str(path), *(["--idle"] if wall else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return cls(name, path, process)

    def stop(self) -> dict[str, list[tuple[str, float]]]:
        """End the record; its top functions (:func:`top_frames`)."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        return top_frames(self.path)


def profiled(pids: Mapping[str, int], folder: Path | None) -> list[Profile]:
    """py-spy records of each named process's CPU, and of the ``worker``'s wall time (where a
    run's time goes, waiting or not), if a folder was given."""
    if folder is None:
        return []
    return [*(Profile.start(name, pid, folder) for name, pid in pids.items()),
            Profile.start("worker (wall)", pids["worker"], folder, wall=True)]


def top_frames(path: Path, count: int = 25) -> dict[str, list[tuple[str, float]]]:
    """The functions with the most CPU samples, as shares of all samples: ``inclusive``
    (on the stack) and ``self`` (running their own code)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        total += int(samples)
        frames = [_short(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += int(samples)
        own[frames[-1]] += int(samples)
    return {kind: [(frame, round(n / max(total, 1), 3)) for frame, n in found.most_common(count)]
            for kind, found in (("inclusive", inclusive), ("self", own))}


def _short(frame: str) -> str:
    """``run_flow (prefect/flow_engine.py:123)`` → ``run_flow (prefect/flow_engine.py)``."""
    function, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{function} ({where})"


def print_profile(name: str, frames: dict[str, list[tuple[str, float]]]) -> None:
    """A profile's top functions, for the reader of a benchmark's output."""
    for kind, found in frames.items():
        print(f"profile of the {name}, {kind}:")
        for frame, share in found:
            print(f"  {share:6.1%}  {frame}")
