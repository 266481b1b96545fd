"""The embedded demo: Prefect server + sandbox + worker + seeded office, on 127.0.0.1.

Everything lives under ``.doorstroom/``; the store and the Prefect database are wiped at
each start. Ctrl-C stops it all.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from prefect.client.orchestration import get_client
from prefect.states import Scheduled

from blocks.smtp import SMTP_BLOCK
from connectors.sandbox_server import SandboxServer
from deployments.demo.mailbox import Mailbox
from deployments.demo.sandboxes import DemoSandboxes
from deployments.demo.seed import DemoLogin, DemoSeed, seed_demo
from deployments.local_stack import (
    Stack,
    start_prefect_server,
    start_worker,
    wait_for_deployment,
)
from doorstroom.ingest_api.app import create_app as create_ingest_app
from doorstroom.monitor.app import create_app as create_monitor_app
from doorstroom.monitor.config import MonitorConfig, session_key_from_prefect
from doorstroom.operations.setup import setup


class _Stop(Exception):
    """Raised by the signal handler to leave the wait loop."""


RECHECK_EVERY = 60.0
"""The demo re-probes orange tasks every minute (``prefect.yaml``: every 15 minutes)."""


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


def run_demo(home: Path, prefect_port: int, sandbox_port: int, monitor_port: int,
             dispatch_every: float) -> None:
    """Start the stack, seed it, print where to look, and wait for Ctrl-C.

    The caller has put the stack's environment (``local_stack.prefect_env``) into
    ``os.environ`` before Prefect was imported.
    """
    stack = Stack(env=dict(os.environ))
    store_url = stack.env["DOORSTROOM_DATABASE_URL"]
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    boxes = DemoSandboxes().start(sandbox_port)
    api = SandboxServer(create_ingest_app(), port=sandbox_port + 100).start()
    monitor: SandboxServer | None = None
    mailbox = Mailbox(home / "mail", monitor_port + 25).start()
    try:
        print(f"Starting Prefect server on 127.0.0.1:{prefect_port} (logs: {home}/*.log) …")
        start_prefect_server(stack, home / "prefect-server.log")
        seed = seed_demo(boxes, store_url)
        monitor = SandboxServer(create_monitor_app(MonitorConfig.from_settings(
            session_key_from_prefect())), port=monitor_port).start()
        # prefect.yaml's deployments, two of them sooner: a new document is dispatched
        # within seconds, and an employee's fix is seen within a minute.
        worker = start_worker(stack, home / "worker.log", f"--every=dispatch={dispatch_every}",
                              f"--every=recheck={RECHECK_EVERY}")
        wait_for_deployment(stack, "sync-dossier/sync-dossier", worker)
        wait_for_deployment(stack, "daily-digest/daily-digest", worker)
        prepare_operations(mailbox, digest_in=timedelta(seconds=90))
        _print_where_to_look(prefect_port, boxes, seed, dispatch_every)
        _print_monitor(monitor.url, seed.logins)
        _print_ingest_api(api.url, seed.token)
        _print_mail(mailbox)
        while all(p.poll() is None for p in stack.processes):
            time.sleep(1)
        print("A process of the stack stopped; see the logs in", home)
    except (KeyboardInterrupt, _Stop):
        print("\nStopping …")
    finally:
        stack.stop()
        boxes.stop()
        api.stop()
        if monitor is not None:
            monitor.stop()
        mailbox.stop()
        print("Stopped.")


def _print_ingest_api(url: str, token: str) -> None:
    print(f"""Ingest API: {url}/docs   (office token: {token})
Submit a UBL invoice for dossier 1 ('Bakkerij Janssens'); the next dispatch books it:

  curl -X POST {url}/api/v1/dossiers/1/documents/ubl -H 'Authorization: Bearer {token}' \\
       -H 'content-type: application/xml' --data-binary @../shared/ubl/vat-category-Z.xml
""", flush=True)


def prepare_operations(mailbox: Mailbox, digest_in: timedelta) -> None:
    """SMTP block for the demo's mailbox, the automations, and a first digest soon."""
    mailbox.connection().save(SMTP_BLOCK, overwrite=True)
    setup()
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("daily-digest/daily-digest")
        client.create_flow_run_from_deployment(
            deployment.id, state=Scheduled(scheduled_time=datetime.now(UTC) + digest_in))


def _print_mail(mailbox: Mailbox) -> None:
    print(f"""E-mail (SMTP on 127.0.0.1:{mailbox.port}) lands in {mailbox.folder}/:
the office staff's daily digest (one about 90 s after start, then every weekday at 07:00)
and support's notice for every run that ends SupportRequired (Prefect UI → Automations).
""", flush=True)


def _print_monitor(url: str, logins: list[DemoLogin]) -> None:
    people = "\n".join(f"  {login.email:<32} {login.password:<18} {login.who}" for login in logins)
    print(f"""Monitor (office staff and support): {url}/
Log in as (passwords are new at every start):
{people}
Els sees Brouwerij XYZ orange: open it, read the instruction, run its curl above, then click
the restart icon on the right; the row follows the task until it is done and the dossier
turns black. Or do only the fix: within a minute the 'recheck' deployment sees the cause gone
and restarts the task itself ("Automatisch opgelost"). Drukkerij Vermeulen is red: Els can
mark it urgent, Sam restarts it.
""", flush=True)


def _print_where_to_look(prefect_port: int, boxes: DemoSandboxes, seed: DemoSeed,
                         dispatch_every: float) -> None:
    dossiers, documents, cases = seed.dossiers, seed.documents, seed.cases
    sandboxes = "\n".join(f"  sandbox {package:<13} {server.url}"
                          for package, server in boxes.servers.items())
    shown = "\n\n".join(f"  {case.dossier} ({case.package}):\n    {case.fix}" for case in cases)
    print(f"""
Doorstroom demo is running.

  Prefect UI (operators):  http://127.0.0.1:{prefect_port}/runs
  Store (SQLite):          {os.environ['DOORSTROOM_DATABASE_URL']}
{sandboxes}

Seeded: {dossiers} dossiers, {documents} documents. The scheduled 'dispatch' deployment runs
every {dispatch_every:.0f} s and starts one 'sync-dossier' run per dossier. These dossiers hit
a case of the help page and end EmployeeActionRequired, the instruction as the run's message.
Play the employee with the command under each, then restart the failed task:

{shown}

  .venv/bin/doorstroom tasks --failed      # failed tasks with their instructions (nl/fr/en)
  .venv/bin/doorstroom restart <task id>   # = Retry in the Prefect UI

Press Ctrl-C to stop everything.
""", flush=True)
