"""Launcher of the embedded stack's children: each dies with the process that started it.

``python -m deployments.child <parent pid> <program> <args…>`` asks Linux to send it SIGTERM
when its parent dies (``PR_SET_PDEATHSIG``, kept across ``exec``), then becomes ``program``.
Done in a launcher rather than a ``preexec_fn`` because the demo's process has threads, and
``preexec_fn`` is unsafe there. Elsewhere than Linux the child simply runs; the next start
of the stack then clears what a killed stack left behind (:mod:`deployments.stack_guard`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: no parent-death signal
        pass


def main(argv: list[str]) -> None:
    """Arrange to die with the parent, then execute the child's program."""
    parent, program = int(argv[0]), argv[1:]
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the signal was armed
        sys.exit("deployments.child: the stack stopped before this child started")
    os.execv(program[0], program)


if __name__ == "__main__":
    main(sys.argv[1:])
