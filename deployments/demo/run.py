"""The embedded demo: Prefect server + sandboxes + worker + seeded office, on 127.0.0.1.

Everything lives under ``.doorstroom/`` and is kept across starts: the store, the Prefect
database and the sandboxes' books; the office is seeded once (``--fresh`` starts over).
A worker or Prefect server that dies is started again; Ctrl-C stops it all.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from prefect.client.orchestration import get_client
from prefect.states import Scheduled

from blocks.smtp import SMTP_BLOCK
from connectors.registry import PACKAGES
from connectors.sandbox_server import SandboxServer
from deployments.demo.mailbox import Mailbox
from deployments.demo.sandboxes import DemoSandboxes
from deployments.demo.seed import DemoLogin, DemoSeed, reopen_demo, seed_demo
from deployments.local_stack import (
    Stack,
    Supervisor,
    reset_home,
    start_prefect_server,
    start_worker,
    wait_for_deployment,
)
from deployments.prefect_auth import FILE as PREFECT_AUTH_FILE
from deployments.stack_guard import (
    CHILDREN_FILE,
    HomeClaim,
    StackRefused,
    claim_home,
    clear_orphans,
    ensure_ports_free,
    record_children,
)
from doorstroom.dispatching import on_arrival, start_runs
from doorstroom.ingest_api.app import create_app as create_ingest_app
from doorstroom.monitor.app import create_app as create_monitor_app
from doorstroom.monitor.config import MonitorConfig, session_key_from_prefect
from doorstroom.operations.setup import NEEDED, setup
from doorstroom.settings import get_settings

KEPT = "demo.json"
"""Written once the demo is seeded; its presence means: start over the kept data."""

READY = "Press Ctrl-C to stop everything."
"""The demo's last line at start: everything a user (or a test) needs is printed above it."""


@dataclass(frozen=True)
class StartedSeed:
    """The demo's seed, and whether this start made it."""

    seed: DemoSeed
    fresh: bool


class _Stop(Exception):
    """Raised by the signal handler to leave the wait loop."""


RECHECK_EVERY = 120.0
"""The demo re-probes orange tasks every two minutes (``prefect.yaml``: every 15 minutes)."""


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


@dataclass(frozen=True)
class DemoPorts:
    """Where the demo's parts listen on 127.0.0.1."""

    prefect: int
    sandbox: int
    monitor: int

    @property
    def ingest(self) -> int:
        """The ingest API's port."""
        return self.sandbox + 100

    @property
    def mailbox(self) -> int:
        """The demo mailbox's SMTP port."""
        return self.monitor + 25

    def named(self, sandboxes: int) -> dict[str, int]:
        """Every port with what needs it and the option that moves it."""
        ports = {"Prefect server, --prefect-port": self.prefect,
                 "monitor, --monitor-port": self.monitor,
                 "mailbox, --monitor-port + 25": self.mailbox,
                 "ingest API, --sandbox-port + 100": self.ingest}
        ports.update({f"sandbox {n + 1}, --sandbox-port + {n}": self.sandbox + n
                      for n in range(sandboxes)})
        return ports


def claim(home: Path, ports: DemoPorts, fresh: bool) -> HomeClaim:
    """Claim the data folder, clear what a killed stack left, check the ports, and with
    ``fresh`` wipe the kept data; raises :class:`StackRefused` with what to do."""
    claimed = claim_home(home)
    try:
        orphans = clear_orphans(home)
        if orphans:
            print(f"Stopped {len(orphans)} process(es) an earlier, killed demo left running: "
                  f"{', '.join(map(str, orphans))}", flush=True)
        ensure_ports_free(ports.named(len(PACKAGES)))
    except StackRefused:
        claimed.release()
        raise
    if fresh or not (home / KEPT).exists():
        if (home / "store.db").exists() and not fresh:
            print("An earlier start did not finish seeding: starting afresh.", flush=True)
        reset_home(home)
        shutil.rmtree(home / "sandboxes", ignore_errors=True)
    return claimed


def run_demo(home: Path, ports: DemoPorts, dispatch_every: float | None,
             fresh: bool = False) -> int:
    """Start the stack, seed it once, print where to look, keep it alive until Ctrl-C.

    The caller has put the stack's environment (``local_stack.prefect_env``) into
    ``os.environ`` before Prefect was imported. Returns the exit code.
    """
    try:
        claimed = claim(home, ports, fresh)
    except StackRefused as refused:
        print(refused, file=sys.stderr, flush=True)
        return 2
    stack = Stack(env=dict(os.environ))
    supervisor = Supervisor(stack, say=lambda line: print(line, flush=True))
    store_url = stack.env["DOORSTROOM_DATABASE_URL"]
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    boxes = DemoSandboxes(folder=home / "sandboxes").start(ports.sandbox)
    api = SandboxServer(create_ingest_app(on_arrival), port=ports.ingest).start()
    monitor: SandboxServer | None = None
    mailbox = Mailbox(home / "mail", ports.mailbox).start()
    try:
        print(f"Starting Prefect server on 127.0.0.1:{ports.prefect} (logs: {home}/*.log) …")
        server = start_prefect_server(stack, home / "prefect-server.log")
        supervisor.watch("Prefect server", lambda: start_prefect_server(
            stack, home / "prefect-server.log"), server)
        seed = _seed(boxes, store_url, home)
        monitor = SandboxServer(create_monitor_app(MonitorConfig.from_settings(
            session_key_from_prefect())), port=ports.monitor).start()
        # prefect.yaml's deployments, recheck sooner: an employee's fix is looked for every
        # two minutes (with back-off). Documents start their run when they arrive; the
        # dispatch sweep keeps prefect.yaml's five minutes unless --dispatch-every says.
        worker_args = (f"--every=recheck={RECHECK_EVERY}", *(
            [f"--every=dispatch={dispatch_every}"] if dispatch_every else []))
        worker = start_worker(stack, home / "worker.log", *worker_args)
        supervisor.watch("worker", lambda: start_worker(
            stack, home / "worker.log", *worker_args), worker)
        recorded = _record_children(home, stack, [])
        for name in ("sync-dossier/sync-dossier", "daily-digest/daily-digest", *NEEDED):
            wait_for_deployment(stack, name, worker)
        prepare_operations(mailbox, digest_in=timedelta(seconds=90) if seed.fresh else None)
        start_runs()  # the seeded documents (or what waited over kept data) start now
        _print_where_to_look(ports.prefect, home / PREFECT_AUTH_FILE, boxes, seed, dispatch_every)
        _print_monitor(monitor.url, seed.seed.logins)
        _print_ingest_api(api.url, seed.seed.token)
        _print_mail(mailbox, first_digest=seed.fresh)
        print(READY, flush=True)  # last: whoever waits for it finds everything above
        while True:
            supervisor.heal()
            recorded = _record_children(home, stack, recorded)
            time.sleep(1)
    except (KeyboardInterrupt, _Stop):
        print("\nStopping …")
    finally:
        stack.stop()
        boxes.stop()
        api.stop()
        if monitor is not None:
            monitor.stop()
        mailbox.stop()
        (home / CHILDREN_FILE).unlink(missing_ok=True)
        claimed.release()
        print("Stopped. The data stays in", home, "(start over with --fresh).")
    return 0


def _record_children(home: Path, stack: Stack, recorded: list[int]) -> list[int]:
    """Keep the children's pids on disk for a later start to clear — rewritten only when a
    child was started again, not every second."""
    pids = [process.pid for process in stack.processes]
    if pids != recorded:
        record_children(home, pids)
    return pids


def _seed(boxes: DemoSandboxes, store_url: str, home: Path) -> StartedSeed:
    """Seed a fresh home once; over kept data only renew the secrets."""
    kept = home / KEPT
    if kept.exists():
        return StartedSeed(reopen_demo(boxes, store_url, kept), fresh=False)
    seed = seed_demo(boxes, store_url)
    boxes.save()
    seed.keep(kept)  # last: a start killed before this point seeds afresh next time
    return StartedSeed(seed, fresh=True)


def _print_ingest_api(url: str, token: str) -> None:
    print(f"""Ingest API: {url}/docs   (office token: {token})
Submit a UBL invoice for dossier 1 ('Bakkerij Janssens'); its run starts as it arrives:

  curl -X POST {url}/api/v1/dossiers/1/documents/ubl -H 'Authorization: Bearer {token}' \\
       -H 'content-type: application/xml' \\
       --data-binary @../shared/ubl-be/UBLBE_BE0000000196_V01-15000003.xml
""", flush=True)


def prepare_operations(mailbox: Mailbox, digest_in: timedelta | None) -> None:
    """SMTP block for the demo's mailbox, the automations, and a first digest soon
    (``digest_in``; none over kept data, which had its first)."""
    mailbox.connection().save(SMTP_BLOCK, overwrite=True)
    setup()
    if digest_in is None:
        return
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("daily-digest/daily-digest")
        client.create_flow_run_from_deployment(
            deployment.id, state=Scheduled(scheduled_time=datetime.now(UTC) + digest_in))


def _print_mail(mailbox: Mailbox, first_digest: bool) -> None:
    when = "one about 90 s after start, then " if first_digest else ""
    print(f"""E-mail (SMTP on 127.0.0.1:{mailbox.port}) lands in {mailbox.folder}/:
the office staff's daily digest ({when}every weekday at 07:00), a notice of each new orange
problem within five minutes (a reminder after {get_settings().reminder_days} days), and
support's notice of every run that ends SupportRequired and of every task marked urgent
(Prefect UI → Automations).
""", flush=True)


def _print_monitor(url: str, logins: list[DemoLogin]) -> None:
    people = "\n".join(f"  {login.email:<32} {login.password:<18} {login.who}" for login in logins)
    print(f"""Monitor (office staff and support): {url}/
Log in as (passwords are new at every start):
{people}
Els sees Brouwerij XYZ orange: open it, read the instruction, run its curl above, then click
the restart icon on the right; the row follows the task until it is done and the dossier
turns black. Or do only the fix: the 'recheck' deployment looks again after 1, 2, 4 … minutes
(at most hourly, within Exact's error budget), sees the cause gone and restarts the task
itself ("Automatisch opgelost"). Drukkerij Vermeulen is red: Els can
mark it urgent, Sam restarts it.
""", flush=True)


def _print_where_to_look(prefect_port: int, auth_file: Path, boxes: DemoSandboxes,
                         started: StartedSeed, dispatch_every: float | None) -> None:
    seed = started.seed
    dossiers, documents, cases = seed.dossiers, seed.documents, seed.cases
    sandboxes = "\n".join(f"  sandbox {package:<13} {server.url}"
                          for package, server in boxes.servers.items())
    shown = "\n\n".join(f"  {case.dossier} ({case.package}):\n    {case.shown(boxes)}"
                        for case in cases)
    seeded = ("Seeded" if started.fresh
              else "Kept from the previous start (--fresh starts over)")
    print(f"""
Doorstroom demo is running.

  Prefect UI (operators):  http://127.0.0.1:{prefect_port}/runs
    it asks for the auth string kept in {auth_file}
    (operators only: never give it, or the link, to office staff)
  Store (SQLite):          {os.environ['DOORSTROOM_DATABASE_URL']}
{sandboxes}

{seeded}: {dossiers} dossiers, {documents} documents.
Each dossier with work gets one 'sync-dossier' run, started as its documents arrive (the
'dispatch' sweep, every {dispatch_every or 300:.0f} s, starts what was missed). These
dossiers hit a case of the help page and end EmployeeActionRequired, the instruction as
the run's message. Play the employee with the command under each, then restart the task:

{shown}

  .venv/bin/doorstroom tasks --failed      # failed tasks with their instructions (nl/fr/en)
  .venv/bin/doorstroom restart <task id>   # = Retry in the Prefect UI
""", flush=True)
