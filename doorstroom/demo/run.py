"""The embedded demo: Prefect server + sandbox + worker + seeded office, on 127.0.0.1.

Everything lives under ``.doorstroom/``; the store and the Prefect database are wiped at
each start. Ctrl-C stops it all.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from types import FrameType

from doorstroom.connectors.exact_online.sandbox import ExactSandboxState, create_app
from doorstroom.connectors.sandbox_server import SandboxServer
from doorstroom.connectors.winbooks.sandbox import WinBooksSandboxState
from doorstroom.connectors.winbooks.sandbox import create_app as winbooks_app
from doorstroom.demo.seed import DEMO_BLOCK, WINBOOKS_BLOCK, WINBOOKS_FOLDER, seed_demo
from doorstroom.local_stack import (
    Stack,
    start_prefect_server,
    start_worker,
    wait_for_deployment,
)


class _Stop(Exception):
    """Raised by the signal handler to leave the wait loop."""


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


def run_demo(home: Path, prefect_port: int, sandbox_port: int, dispatch_every: float) -> None:
    """Start the stack, seed it, print where to look, and wait for Ctrl-C.

    The caller has put the stack's environment (``local_stack.prefect_env``) into
    ``os.environ`` before Prefect was imported.
    """
    stack = Stack(env=dict(os.environ))
    store_url = stack.env["DOORSTROOM_DATABASE_URL"]
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    state = ExactSandboxState(minutely_limit=600)
    sandbox = SandboxServer(create_app(state), port=sandbox_port).start()
    winbooks = WinBooksSandboxState()
    winbooks_sandbox = SandboxServer(winbooks_app(winbooks), port=sandbox_port + 1).start()
    try:
        print(f"Starting Prefect server on 127.0.0.1:{prefect_port} (logs: {home}/*.log) …")
        start_prefect_server(stack, home / "prefect-server.log")
        summary = seed_demo(state, sandbox.url, winbooks, winbooks_sandbox.url, store_url)
        worker = start_worker(stack, home / "worker.log", "--dispatch-every", str(dispatch_every))
        wait_for_deployment(stack, "sync-dossier/sync-dossier", worker)
        _print_where_to_look(prefect_port, sandbox.url, winbooks_sandbox.url, summary,
                             dispatch_every)
        while all(p.poll() is None for p in stack.processes):
            time.sleep(1)
        print("A process of the stack stopped; see the logs in", home)
    except (KeyboardInterrupt, _Stop):
        print("\nStopping …")
    finally:
        stack.stop()
        sandbox.stop()
        winbooks_sandbox.stop()
        print("Stopped.")


def _print_where_to_look(prefect_port: int, sandbox_url: str, winbooks_url: str,
                         summary: dict[str, object], dispatch_every: float) -> None:
    print(f"""
Doorstroom demo is running.

  Prefect UI (operators):  http://127.0.0.1:{prefect_port}/runs
  Exact Online sandbox:    {sandbox_url}   (connection block '{DEMO_BLOCK}')
  WinBooks on Web sandbox: {winbooks_url}   (connection block '{WINBOOKS_BLOCK}')
  Store (SQLite):          {os.environ['DOORSTROOM_DATABASE_URL']}

Seeded: {summary['dossiers']} dossiers, {summary['documents']} documents. The scheduled
'dispatch' deployment runs every {dispatch_every:.0f} s and starts one 'sync-dossier' run
per dossier.
Dossier 'Brouwerij XYZ' hits the rights case: its run ends EmployeeActionRequired with the
instruction as its message. Play the employee and restart:

  curl -X POST {sandbox_url}/_sandbox/divisions/{summary['rights_division']}/rights \\
       -H 'content-type: application/json' -d '{{"value": true}}'
  .venv/bin/doorstroom tasks --failed          # list failed tasks with their instructions
  .venv/bin/doorstroom restart {summary['rights_task']}               # = Retry in the Prefect UI

Dossier '{WINBOOKS_FOLDER[1]}' (WinBooks) has an invoice in 2017-09, whose VAT period
is closed: its run ends EmployeeActionRequired too. Reopen it, then restart that task:

  curl -X POST {winbooks_url}/_sandbox/folders/{WINBOOKS_FOLDER[0]}/periods/2017/9/vat-closed \\
       -H 'content-type: application/json' -d '{{"value": false}}'

Press Ctrl-C to stop everything.
""", flush=True)
