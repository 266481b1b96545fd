"""A flow for the process-per-run worker's test: which process imported it, which runs it."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

from prefect import flow

IMPORTED_IN = os.getpid()
"""The process that imported this module: for a forked run, the process it was forked from."""


@flow(name="probe")
def probe(out: str, sleep: float = 0.0) -> None:
    """Write where it runs to ``out``, then sleep (a run long enough to be cancelled).

    The module is looked up rather than read from this function's globals: Prefect pickles a
    flow's function by value, globals included, so those would be the worker's."""
    module = importlib.import_module(__name__)
    clients = importlib.import_module("prefect.client.orchestration")
    Path(out).write_text(json.dumps({
        "pid": os.getpid(), "parent": os.getppid(), "imported_in": module.IMPORTED_IN,
        "prepared": "deployments.run_process" in sys.modules,
        "prefect_ssl": clients.ssl.create_default_context.__module__}))
    time.sleep(sleep)
