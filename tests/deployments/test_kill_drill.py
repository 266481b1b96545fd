"""Kill drill of the embedded stack: the first README command, killed piece by piece.

``doorstroom demo`` runs as a person starts it. Documents are posted to its ingest API
between SIGKILLs of the worker, of the Prefect server (documents keep being accepted while
it is down) and of the main process; the stack is then started again over the same folder.
Every acknowledged document must be there and booked exactly once in the (kept) Exact
sandbox, and no process of the killed stack may be left running. The figures are printed
as JSON, last line.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import httpx
import pytest

from connectors.exact_online.sandbox import ExactOnlineSandbox
from connectors.sandbox_persistence import load
from deployments.demo.run import READY
from deployments.prefect_auth import auth_string, basic_auth_header
from deployments.stack_guard import CHILDREN_FILE, StackRefused, ensure_ports_free
from tests.conftest import ARTIFACTS
from tests.helpers import a_proposal, alive, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
EXACT_DOSSIERS = {1: 1001, 2: 1002}  # the demo's Bakkerij Janssens and Garage Maes


def _ports() -> tuple[int, int, int]:
    """Prefect, first sandbox and monitor ports with all the demo's derived ports free."""
    for base in range(21000, 30000, 331):
        ports = (base, base + 10, base + 50)
        try:
            ensure_ports_free({str(p): p for p in (ports[0], ports[2], ports[2] + 25,
                                               *range(ports[1], ports[1] + 5), ports[1] + 100)})
        except StackRefused:
            continue
        return ports
    raise RuntimeError("no free ports for the demo")


@dataclass
class Demo:
    """One ``doorstroom demo`` process and what it printed."""

    home: Path
    ports: tuple[int, int, int]
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, home: Path, ports: tuple[int, int, int]) -> Demo:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PREFECT_", "DOORSTROOM_"))}
        env["DOORSTROOM_HOME"] = str(home)
        prefect, sandbox, monitor = ports
        process = subprocess.Popen(
            [sys.executable, "-m", "deployments.cli", "demo", "--prefect-port", str(prefect),
             "--sandbox-port", str(sandbox), "--monitor-port", str(monitor),
             "--dispatch-every", "3"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        demo = cls(home, ports, process)
        threading.Thread(target=demo._read, daemon=True).start()
        demo.wait_for(READY, timeout=180)
        return demo

    def _read(self) -> None:
        assert self.process.stdout is not None
        with (ARTIFACTS / "kill-drill-demo.log").open("a") as log:
            for line in self.process.stdout:
                self.lines.append(line)
                log.write(line)
                log.flush()

    def wait_for(self, text: str, timeout: float, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines[after:]):
            assert self.process.poll() is None or any(text in line for line in self.lines), \
                "".join(self.lines)
            assert time.monotonic() < deadline, f"no {text!r} in:\n{''.join(self.lines)}"
            time.sleep(0.5)

    @property
    def token(self) -> str:
        return next(line.split("office token: ")[1].strip(" )\n")
                    for line in self.lines if "office token: " in line)

    def child(self, module: str) -> int:
        """The pid of the running child whose command names ``module``."""
        for child in json.loads((self.home / CHILDREN_FILE).read_text()):
            command = Path(f"/proc/{child['pid']}/cmdline").read_bytes().replace(b"\0", b" ")
            if module.encode() in command:
                return int(child["pid"])
        raise LookupError(module)


def post_documents(demo: Demo, count: int, acknowledged: dict[str, int]) -> None:
    """Post proposals to the demo's Exact dossiers; remember the acknowledged ones."""
    url = f"http://127.0.0.1:{demo.ports[1] + 100}/api/v1/dossiers/{{}}/documents/proposal"
    headers = {"Authorization": f"Bearer {demo.token}"}
    for number in range(count):
        dossier = list(EXACT_DOSSIERS)[number % len(EXACT_DOSSIERS)]
        proposal = a_proposal()
        answer = httpx.post(url.format(dossier), headers=headers, timeout=30,
                            json={"proposal": proposal.model_dump(mode="json")})
        assert answer.status_code in (200, 201), answer.text
        acknowledged[proposal.number] = dossier


def unbooked(home: Path, prefect_port: int, acknowledged: dict[str, int]) -> str:
    """What became of the acknowledged documents not booked yet: their tasks in the store and
    the Prefect state of the runs holding them — what a failure of this drill must show."""
    missing = sorted(set(acknowledged) - set(booked(home)))
    with sqlite3.connect(home / "store.db") as db:
        rows = db.execute(
            "SELECT d.number, t.status, t.failure_code, t.attempts, t.last_flow_run_id, "
            "t.lease_expires_at FROM documents d JOIN sync_tasks t ON t.document_id = d.id "
            f"WHERE d.number IN ({','.join('?' * len(missing))})", missing).fetchall()
        restarts = db.execute("SELECT flow_run_id, from_state, actor FROM run_restarts").fetchall()
    runs = {row[4] for row in rows if row[4]}
    prefect = f"http://127.0.0.1:{prefect_port}/api"
    states = {}
    for run in runs:
        try:
            answer = httpx.get(f"{prefect}/flow_run_states/", params={"flow_run_id": run},
                               headers=basic_auth_header(auth_string(home)), timeout=10).json()
            states[run] = [state["name"] for state in answer]
        except (httpx.HTTPError, ValueError, TypeError, KeyError) as error:
            states[run] = [repr(error)]
    return (f"not every acknowledged document was booked: {len(missing)} missing\n"
            f"tasks: {rows}\nrestarts: {restarts}\nrun states: {states}")


def booked(home: Path) -> Counter[str]:
    """Exact entries per invoice number, read from the sandbox the demo kept on disk."""
    sandbox = load(home / "sandboxes" / "exact_online.pickle")
    assert isinstance(sandbox, ExactOnlineSandbox)
    return Counter(entry["YourRef"] for division in EXACT_DOSSIERS.values()
                   for entry in sandbox.state.entries(division))


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield tmp_path / "doorstroom"


def mail_texts(folder: Path) -> list[str]:
    """Every part of every e-mail as its reader sees it (decoded: quoted-printable breaks
    long lines, and an address with them)."""
    return [str(part.get_content()) for mail in folder.glob("*.eml")
            for part in message_from_bytes(mail.read_bytes(), policy=default).walk()
            if part.get_content_maintype() == "text"]


def test_kill_the_worker_the_server_and_the_stack_then_start_again_and_nothing_is_lost(
        home: Path) -> None:
    ports = _ports()
    acknowledged: dict[str, int] = {}
    demo = Demo.start(home, ports)
    killed: list[int] = []
    try:
        refused = subprocess.run(demo.process.args, env={**os.environ,  # type: ignore[arg-type]
                                                         "DOORSTROOM_HOME": str(home)},
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and "Another Doorstroom stack" in refused.stdout \
            + refused.stderr, refused
        post_documents(demo, 6, acknowledged)

        worker = demo.child("deployments.serve")
        os.kill(worker, signal.SIGKILL)
        killed.append(worker)
        demo.wait_for("The worker is running again.", timeout=60)
        post_documents(demo, 6, acknowledged)

        server = demo.child("prefect")
        seen = len(demo.lines)
        os.kill(server, signal.SIGKILL)
        killed.append(server)
        post_documents(demo, 6, acknowledged)  # accepted while Prefect is away
        demo.wait_for("The Prefect server is running again.", timeout=120, after=seen)
        post_documents(demo, 6, acknowledged)

        children = [demo.child("deployments.serve"), demo.child("prefect")]
        demo.process.kill()
        demo.process.wait(timeout=10)
        killed.append(demo.process.pid)
        wait_until(lambda: not any(alive(pid) for pid in children), 30,
                   f"children {children} outlived their stack")
        orphans = [pid for pid in children if alive(pid)]

        demo = Demo.start(home, ports)
        assert any("Kept from the previous start" in line for line in demo.lines)
        post_documents(demo, 6, acknowledged)
        wait_until(lambda: set(booked(home)) >= set(acknowledged), 600,
                   lambda: unbooked(home, ports[0], acknowledged))
        last = [demo.child("deployments.serve"), demo.child("prefect")]
    finally:
        demo.process.send_signal(signal.SIGINT)
        demo.process.wait(timeout=60)
    entries = booked(home)
    figures = {
        "acknowledged": len(acknowledged), "killed": len(killed),
        "lost_acknowledged": sum(1 for number in acknowledged if number not in entries),
        "duplicates": sum(count - 1 for count in entries.values() if count > 1),
        "orphans": len(orphans),
        "left_running": sum(1 for child in last if alive(child)),
    }
    print(json.dumps(figures))
    assert demo.process.returncode == 0
    assert figures["lost_acknowledged"] == figures["duplicates"] == figures["orphans"] == 0
    assert figures["left_running"] == 0
    assert not (home / CHILDREN_FILE).exists()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700  # the stack's folder is its owner's
    for kept in (home / "store.db", home / "prefect" / "prefect.db", home / "prefect-auth"):
        assert stat.S_IMODE(kept.stat().st_mode) & 0o077 == 0, kept
    linked = {int(port) for text in mail_texts(home / "mail")
              for port in re.findall(r"http://127\.0\.0\.1:(\d+)", text)}
    assert linked <= {ports[0], ports[2]}, f"e-mails link to ports {linked}"
