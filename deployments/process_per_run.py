"""Process-per-run mode of the worker: Prefect's runner, each run's process forked ready-made.

Prefect's runner starts each flow run's process with multiprocessing's ``spawn``: a new
interpreter that imports Prefect, the flows and the connectors again before the run can begin
— about 3 CPU-seconds a run on this machine (``python -X importtime``), most of the work of a
run of a few dozen documents. Here the runner starts them from multiprocessing's
*forkserver* instead, a process that imports the flows' modules once; every run's process is
a fork of it and begins with everything imported (``bench/throughput.py --process-per-run``:
6.6 → 12.9 documents a second; 19.0 with the event writer of ``prefect_server.py``).

Everything else is Prefect's runner unchanged, and the reason to choose this mode: each run in
its own process (a leak or a hung thread ends with it), cancellation from the UI kills the
run's process, the engine's heartbeats. The flows are handed to the runner in memory
(``Runner.add_flow``), so it runs them through ``run_flow_in_subprocess``; ``prefect deploy``'s
process work pool (``python -m prefect.engine`` per run) is not affected.

Fork safety: the forkserver is a fresh single-threaded interpreter that only imports modules
(and, with ``run_process``, builds two TLS contexts); nothing in it holds a lock, a thread, a
connection or a client when it forks (the store's engine and Prefect's clients are made on
first use, in the run's process).
"""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import types
from collections.abc import Callable, Iterable
from functools import partial

import prefect.flow_engine
from prefect.exceptions import TerminationSignal
from prefect.runner import Runner

from deployments.declared import Declared

HEARTBEAT_SECONDS = 30
"""Each run's process sends heartbeats this often, for the ``doorstroom-no-heartbeat``
automation (30 s is Prefect's minimum)."""
SPAWNED = 'multiprocessing.get_context("spawn")'
"""How Prefect 3.9's ``run_flow_in_subprocess`` makes its process; checked before replacing."""


def preload(modules: Iterable[str]) -> multiprocessing.context.BaseContext:
    """Make Prefect's runner start run processes from a forkserver that imported ``modules``.

    ``run_flow_in_subprocess`` is the only user of ``multiprocessing`` in Prefect's flow engine;
    its module's reference is replaced by one whose ``get_context`` gives the forkserver. A
    Prefect that no longer starts runs this way fails here, loudly, instead of silently
    spawning again.
    """
    if SPAWNED not in inspect.getsource(prefect.flow_engine.run_flow_in_subprocess):
        raise RuntimeError("Prefect's run_flow_in_subprocess no longer asks multiprocessing for "
                           "'spawn'; see deployments/process_per_run.py")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(sorted(set(modules)))
    forking = types.ModuleType("multiprocessing", "multiprocessing, forkserver for every method")
    forking.get_context = lambda _method=None: context  # type: ignore[attr-defined]
    forking.context = multiprocessing.context  # type: ignore[attr-defined]
    prefect.flow_engine.multiprocessing = forking  # type: ignore[misc]
    return context


def flow_modules(deployments: Iterable[Declared]) -> list[str]:
    """The modules of the served flows (which import the connectors, the store and Prefect)."""
    return sorted({item.flow.fn.__module__ for item in deployments})


def serve_process_per_run(deployments: list[Declared], limit: int,
                          register: Callable[[str, Callable[[], object]], object]) -> None:
    """Serve the deployments with Prefect's runner, each run in a forked process, until
    SIGINT/SIGTERM. ``register`` calls its second argument until Prefect answers."""
    # deployments.serve too: a run's process imports the worker's main module again
    # (multiprocessing does, for what it pickled from there); preloaded, that costs nothing.
    preload([*flow_modules(deployments), "deployments.serve", "deployments.run_process"])
    runner = Runner(limit=limit, heartbeat_seconds=HEARTBEAT_SECONDS)
    for item in deployments:
        register(item.name, partial(runner.add_flow, item.flow, **item.options()))
    print("Serving Doorstroom's deployments, one process per flow run.", flush=True)
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        print("Stopped serving.", flush=True)
