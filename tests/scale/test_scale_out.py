"""Scale-out and crash drill on PostgreSQL: two workers, one killed; nothing booked twice.

Prefect server and the store both run on a PostgreSQL cluster started for this module; the
workers are real ``doorstroom serve`` processes. A killed worker's runs stop sending
heartbeats; the ``doorstroom-no-heartbeat`` automation crashes them, ``doorstroom-crashed``
starts ``recover-interrupted``, which retries them on the surviving worker; the connector
looks before it books.
"""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.settings import temporary_settings
from sqlalchemy import func, select

from connectors.sandbox_faults import Fault
from connectors.sandbox_server import SandboxServer
from deployments.demo.mailbox import Mailbox
from deployments.local_stack import start_prefect_server
from doorstroom.documents.service import submit
from doorstroom.ingest_api.app import create_app as create_ingest_app
from doorstroom.ingest_api.auth import issue_token
from doorstroom.settings import get_settings
from doorstroom.store.db import engine_for, session_scope
from doorstroom.store.models import Document, Dossier, Office, SyncTask, TaskStatus
from tests.conftest import ARTIFACTS
from tests.helpers import a_proposal, wait_until, wait_until_settled
from tests.outage import play
from tests.scale.conftest import EXACT_BLOCK, Cluster, prefect_of
from tests.storm import executions, failed_task, storm

pytestmark = [pytest.mark.scale, pytest.mark.timeout(1200)]
DOSSIERS, PER_DOSSIER = 50, 10


def seed(cluster: Cluster, first_division: int, dossiers: int, per_dossier: int) -> list[int]:
    """Divisions in the sandbox, dossiers and documents in the store; the task ids."""
    with session_scope(engine_for(cluster.store_url)) as session:
        office = Office(name=f"Kantoor {first_division}")
        session.add(office)
        session.flush()
        for number in range(dossiers):
            division = first_division + number
            cluster.exact.state.add_division(division, f"Klant {division}")
            dossier = Dossier(office_id=office.id, name=f"Klant {division}",
                              package="exact_online", external_id=str(division),
                              connection_block=EXACT_BLOCK)
            session.add(dossier)
            session.flush()
            for _ in range(per_dossier):
                submit(session, dossier.id, a_proposal(), [])
        session.flush()
        return list(session.scalars(select(SyncTask.id).join(Dossier).where(
            Dossier.office_id == office.id)))


def statuses(cluster: Cluster, task_ids: list[int]) -> Counter[str]:
    with session_scope(engine_for(cluster.store_url)) as session:
        rows = session.execute(select(SyncTask.status, func.count()).where(
            SyncTask.id.in_(task_ids)).group_by(SyncTask.status)).all()
    return Counter({str(status): count for status, count in rows})


def wait_for(cluster: Cluster, task_ids: list[int], done: int, timeout: float) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while (now := statuses(cluster, task_ids))["done"] < done:
        assert now["failed"] == 0, now
        if time.monotonic() > deadline:
            raise TimeoutError(f"after {timeout} s: {dict(now)}")
        time.sleep(1)
    return now


def final_states(cluster: Cluster, run_id: str, timeout: float = 60) -> list[str]:
    """A run's state history once it has ended (it publishes after the store says done)."""
    deadline = time.monotonic() + timeout
    with temporary_settings(prefect_of(cluster.stack)), \
            get_client(sync_client=True) as client:
        while True:
            names = [s.name for s in client.read_flow_run_states(UUID(run_id))]
            state = client.read_flow_run(UUID(run_id)).state
            if (state is not None and state.is_final()) or time.monotonic() > deadline:
                return names
            time.sleep(0.5)


def crashed_then_completed(cluster: Cluster) -> int:
    """How many sync-dossier runs crashed at some point and still completed (a run the
    killed worker had only claimed crashes Pending: its one execution is the retry)."""
    with temporary_settings(prefect_of(cluster.stack)), \
            get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["sync-dossier"])), limit=200)
        histories = [[s.name for s in client.read_flow_run_states(run.id)] for run in runs]
    return sum(1 for names in histories if "Crashed" in names and names[-1] == "Completed")


BEGUN = re.compile(r"Flow run '([^']+)' - Beginning flow run .* for flow 'sync-dossier'")
FINISHED = re.compile(r"Flow run '([^']+)' - Finished in state")


def sync_runs_in_progress(log: Path) -> set[str]:
    """The sync runs a worker's log shows begun and not yet finished (by run name)."""
    begun: set[str] = set()
    finished: set[str] = set()
    for line in log.read_text(errors="replace").splitlines():
        if match := BEGUN.search(line):
            begun.add(match[1])
        elif match := FINISHED.search(line):
            finished.add(match[1])
    return begun - finished


def entries_by_ref(cluster: Cluster, divisions: range) -> Counter[str]:
    return Counter(entry["YourRef"] for division in divisions
                   for entry in cluster.exact.state.entries(division))


def test_500_documents_two_workers_one_killed_then_each_booked_exactly_once(
        cluster: Cluster) -> None:
    # One fault per division, so each is retried past (four in a row would exhaust a task)
    for division in range(7000, 7010):
        cluster.exact.state.add_fault(Fault(kind="drop_after_commit", method="POST",
                                            path_contains=f"/{division}/purchaseentry"))
    for division in range(7010, 7030):
        cluster.exact.state.add_fault(Fault(kind="status", status=503, method="POST",
                                            path_contains=f"/{division}/purchaseentry",
                                            retry_after=1))
    for division in range(7030, 7035):
        cluster.exact.state.add_fault(Fault(kind="latency", seconds=2, method="GET",
                                            path_contains=f"/{division}/"))
    task_ids = seed(cluster, 7000, DOSSIERS, PER_DOSSIER)

    wait_for(cluster, task_ids, done=150, timeout=300)
    wait_until(lambda: bool(sync_runs_in_progress(cluster.logs[0])), 60,
               "worker 1 runs no sync run")
    cluster.workers[0].send_signal(signal.SIGKILL)  # mid-run: it holds runs in progress
    final = wait_for(cluster, task_ids, done=DOSSIERS * PER_DOSSIER, timeout=480)

    assert final == Counter({"done": DOSSIERS * PER_DOSSIER})
    booked = entries_by_ref(cluster, range(7000, 7000 + DOSSIERS))
    assert len(booked) == DOSSIERS * PER_DOSSIER
    assert set(booked.values()) == {1}, [ref for ref, n in booked.items() if n > 1]
    # A killed run may have booked all its tasks before it died: the tasks are done at once,
    # its crash comes with the heartbeat bound and its retry (it ends Completed) after that.
    wait_until(lambda: crashed_then_completed(cluster) >= 1, 240,
               "no run of the killed worker was crashed, retried and completed")
    print(f"scale-out: {dict(final)}; runs of the killed worker crashed, retried, completed: "
          f"{crashed_then_completed(cluster)}")


def test_crash_drill_worker_killed_between_booking_and_recording_then_one_booking(
        cluster: Cluster) -> None:
    faults = cluster.exact.state.faults
    faults.release.clear()
    cluster.exact.state.add_fault(Fault(kind="hold_after_commit", method="POST",
                                        path_contains="/9001/purchaseentry", seconds=600))
    [task] = seed(cluster, 9001, 1, 1)
    assert faults.holding.wait(120), "no worker reached the package"
    assert len(cluster.exact.state.entries(9001)) == 1  # booked; the result not yet recorded
    assert statuses(cluster, [task]) == Counter({"running": 1})

    for worker in cluster.workers:  # the worker holding the call dies with it
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
    faults.release.set()
    cluster.start_worker()
    final = wait_for(cluster, [task], done=1, timeout=300)

    assert final == Counter({"done": 1})
    [entry] = cluster.exact.state.entries(9001)
    with session_scope(engine_for(cluster.store_url)) as session:
        recorded = session.get_one(SyncTask, task)
        assert recorded.external_ref == entry["EntryID"]
        assert recorded.status == TaskStatus.DONE
        run_id = recorded.last_flow_run_id
    assert run_id is not None
    names = final_states(cluster, run_id)
    assert "Crashed" in names and names[-1] == "Completed"


OUTAGE_SECONDS = 180


def test_prefect_server_down_three_minutes_under_load_then_nothing_red_and_nothing_twice(
        cluster: Cluster) -> None:
    """A Prefect outage is weather: the workers keep polling, the store keeps the work, and
    every document is booked once after Prefect returns, without a red task."""
    cluster.keep_workers(2)
    task_ids = seed(cluster, 9100, 20, 10)
    wait_for(cluster, task_ids, done=20, timeout=300)
    server = cluster.stack.processes[0]
    server.send_signal(signal.SIGKILL)
    server.wait()
    at_kill = statuses(cluster, task_ids)
    deadline = time.monotonic() + OUTAGE_SECONDS
    while time.monotonic() < deadline:  # nothing turns red while Prefect is away
        assert statuses(cluster, task_ids)["failed"] == 0
        time.sleep(5)
    cluster.stack.processes.remove(server)
    start_prefect_server(cluster.stack, ARTIFACTS / "scale-prefect-server.log")
    alive = [worker for worker in cluster.workers if worker.poll() is None]

    final = wait_for(cluster, task_ids, done=len(task_ids), timeout=600)

    booked = entries_by_ref(cluster, range(9100, 9120))
    figures = {"documents": len(task_ids), "done_at_kill": at_kill["done"],
               "red_after_outage": final["failed"], "workers_alive": len(alive),
               "duplicates": sum(n - 1 for n in booked.values())}
    print(f"prefect outage: {figures}")
    assert final == Counter({"done": len(task_ids)})
    assert len(booked) == len(task_ids) and set(booked.values()) == {1}
    assert alive, "the workers must live through a Prefect outage"


@pytest.fixture
def store_on_cluster(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's store and Prefect API are the cluster's (PostgreSQL), for a test that
    drives Doorstroom's own restart paths in-process against them."""
    monkeypatch.setenv("DOORSTROOM_DATABASE_URL", cluster.store_url)
    get_settings.cache_clear()
    try:
        with temporary_settings(prefect_of(cluster.stack)):
            yield
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_twenty_restarts_on_postgresql_make_one_execution_and_one_booking(
        cluster: Cluster, store_on_cluster: None) -> None:
    """The restart storm of ``tests/flows`` on PostgreSQL with two workers: people's
    restarts (monitor, CLI), auto-recheck and recover-interrupted, all at once — the
    compare-and-set and the lease hold under PostgreSQL's isolation too."""
    task_id, run_id = failed_task(cluster.exact, EXACT_BLOCK, 9301)
    before = executions(run_id)

    answers = storm(task_id, run_id, api_retries=0)
    [task] = wait_until_settled([task_id])

    figures = {"restarts": 20, "accepted": answers["restarted"],
               "executions": executions(run_id) - before,
               "bookings": len(cluster.exact.state.entries(9301))}
    print(f"restart storm on PostgreSQL: {dict(answers)} {figures}")
    assert answers["restarted"] == 1, answers
    assert task.status == TaskStatus.DONE
    assert figures["bookings"] == 1 and figures["executions"] == 1, figures


def test_identical_submissions_racing_on_postgresql_store_one_document_and_one_task(
        cluster: Cluster, store_on_cluster: None) -> None:
    """Twelve identical proposals at once through the real ingest API on PostgreSQL: one
    document, one task; every answer 201 or 200 "already received", none a 500."""
    with session_scope(engine_for(cluster.store_url)) as session:
        office = Office(name="Race kantoor")
        session.add(office)
        session.flush()
        dossier = Dossier(office_id=office.id, name="Race NV", package="exact_online",
                          external_id="9401", connection_block=EXACT_BLOCK)
        session.add(dossier)
        session.flush()
        token = issue_token(session, office.id)
        dossier_id = dossier.id
    cluster.exact.state.add_division(9401, "Race NV")
    body = {"proposal": a_proposal("RACE-1").model_dump(mode="json")}
    with SandboxServer(create_ingest_app()) as api, ThreadPoolExecutor(12) as pool:
        url = f"{api.url}/api/v1/dossiers/{dossier_id}/documents/proposal"
        answers = list(pool.map(lambda _n: httpx.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code,
            range(12)))

    with session_scope(engine_for(cluster.store_url)) as session:
        stored = session.scalars(select(Document.id).where(
            Document.dossier_id == dossier_id)).all()
        task_ids = session.scalars(select(SyncTask.id).where(
            SyncTask.dossier_id == dossier_id)).all()
    assert sorted(set(answers)) == [200, 201] and answers.count(201) == 1, answers
    assert len(stored) == 1 and len(task_ids) == 1
    # booked before the next test: work still in flight would meet its outage and hold its
    # first wave back behind an incident of its own
    [task] = wait_until_settled(task_ids)
    assert task.status == TaskStatus.DONE and len(cluster.exact.state.entries(9401)) == 1


def test_a_503_outage_over_200_divisions_is_one_incident_one_mail_and_each_booking_once(
        cluster: Cluster, mailbox: Mailbox) -> None:
    """The scale workers dispatch every 10 s: the outage starts with the documents."""
    cluster.keep_workers(2)
    with temporary_settings(prefect_of(cluster.stack)):
        outage = play(cluster.exact, EXACT_BLOCK, mailbox, engine_for(cluster.store_url),
                      divisions=200, start=lambda: None, first=70_000)

    assert outage.incidents == 1
    assert outage.dossiers_in_incident == 200
    # the first wave failed (503 three times over, or held back), the rest waited unsent
    assert set(outage.failed_during) <= {"retries_exhausted", "waits_for_outage", "pending"}
    assert outage.failed_during.get("pending") == 180
    assert outage.support_mails == 1 and outage.incident_mails == 1  # no notice per dossier
    assert outage.booked == outage.documents == 200
    assert outage.duplicates == 0
    assert outage.http_429 == 0
