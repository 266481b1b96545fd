"""A package-wide outage played on many Exact Online divisions, for the test and the bench.

Exact Online answers 503 to everything; the documents of a tenth of the divisions are
dispatched and fail, the rest arrive while the package is down; then it answers again. The
figures: how many incidents opened, how many e-mails support got (the incident's notice and
per-run notices), how many documents were booked twice, how many 429s the package answered,
and how long from the end of the outage until every document was booked.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update

from connectors.sandbox_faults import Fault
from doorstroom.documents.service import submit
from doorstroom.monitor.passwords import hash_password
from doorstroom.store import incidents
from doorstroom.store.db import session_scope
from doorstroom.store.models import (
    Dossier,
    Incident,
    Office,
    SyncTask,
    User,
    UserRole,
    utcnow,
)
from tests.helpers import a_proposal
from tests.sandboxes import RunningExact

_runs = itertools.count(1)


@dataclass(frozen=True)
class Outage:
    """What one played outage left behind."""

    incidents: int
    dossiers_in_incident: int
    support_mails: int
    incident_mails: int
    duplicates: int
    http_429: int
    booked: int
    documents: int
    recovery_s: float
    failed_during: dict[str, int]
    resolved: bool

    def figures(self) -> dict[str, Any]:
        """The bench's JSON line."""
        return {"incidents": self.incidents, "support_mails": self.support_mails,
                "duplicates": self.duplicates, "recovery_s": self.recovery_s,
                "dossiers": self.dossiers_in_incident, "http_429": self.http_429,
                "booked": self.booked, "documents": self.documents}


def _wait(condition: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what())
        time.sleep(1)


def seed(store: Engine, sandbox: RunningExact, block: str, first: int, divisions: int,
         support: bool = True) -> tuple[list[int], str]:
    """An office with one dossier and one document per division, and a support user; the
    tasks and the support user's address."""
    with session_scope(store) as session:
        office = Office(name=f"Kantoor Storing {first}")
        session.add(office)
        email = f"support-outage-{first}@example.be"
        if support:
            session.add(User(email=email, name="Support", role=UserRole.SUPPORT, language="nl",
                             password_hash=hash_password("correct horse battery staple")))
        session.flush()
        for code in range(first, first + divisions):
            sandbox.state.add_division(code, f"Storing {code}")
            dossier = Dossier(office_id=office.id, name=f"Storing {code}",
                              package="exact_online", external_id=str(code),
                              connection_block=block)
            session.add(dossier)
            session.flush()
            submit(session, dossier.id, a_proposal(), [])
        ids = list(session.scalars(select(SyncTask.id).join(Dossier).where(
            Dossier.office_id == office.id)))
        return ids, email


def read_tasks(store: Engine, task_ids: list[int]) -> list[SyncTask]:
    with session_scope(store) as session:
        found = list(session.scalars(select(SyncTask).where(SyncTask.id.in_(task_ids))))
        session.expunge_all()
        return found


def _incident(store: Engine, incident_id: int) -> Incident | None:
    with session_scope(store) as session:
        found = session.get(Incident, incident_id)
        if found is not None:
            session.expunge(found)
        return found


def close_open_incidents(store: Engine) -> None:
    """Incidents earlier work left open end here: an earlier test's runs that met its
    stopped sandbox (or Prefect away) may have opened one for the package, and this outage's
    first wave must fail on its own, not wait with that one."""
    with session_scope(store) as session:
        session.execute(update(Incident).where(Incident.resolved_at.is_(None))
                        .values(resolved_at=utcnow(), open_key=None))


def play(sandbox: RunningExact, block: str, mailbox: Any, store: Engine, divisions: int,
         start: Callable[[], object], first: int = 50_000, timeout: float = 600) -> Outage:
    """The package goes down; documents for a tenth of ``divisions`` divisions are dispatched
    (``start``: a dispatch) and fail; the rest arrive during the outage; then the package
    answers again. What it left behind."""
    first_wave = max(1, divisions // 10)
    close_open_incidents(store)
    sandbox.state.add_fault(Fault(kind="status", status=503, times=10**9))
    early, support = seed(store, sandbox, block, first, first_wave)
    start()

    def counts(ids: list[int]) -> Counter[str]:
        return Counter(t.status.value for t in read_tasks(store, ids))

    _wait(lambda: counts(early)["failed"] == len(early), timeout,
          lambda: f"first wave failed? {counts(early)}")
    opened = {t.incident_id for t in read_tasks(store, early) if t.incident_id is not None}
    assert len(opened) == 1, opened
    [incident_id] = opened
    late, _ = seed(store, sandbox, block, first + first_wave, divisions - first_wave,
                   support=False)
    start()
    _wait(lambda: all(t.incident_id == incident_id for t in read_tasks(store, late)), timeout,
          lambda: "the work arriving during the outage did not wait with the incident")
    task_ids = early + late
    during = Counter(t.failure_code or t.status.value for t in read_tasks(store, task_ids))
    _wait(lambda: (_incident(store, incident_id) or Incident()).notified_at is not None, 120,
          lambda: "the incident's notice was never sent")
    with session_scope(store) as session:  # ours: other dossiers of the package may wait too
        dossiers = len(set(incidents.dossier_ids(session, incident_id))
                       & {t.dossier_id for t in read_tasks(store, task_ids)})
    ended = time.monotonic()
    sandbox.state.faults.clear()
    _wait(lambda: counts(task_ids)["done"] == len(task_ids), timeout,
          lambda: f"booked? {counts(task_ids)}")
    recovery = time.monotonic() - ended
    _wait(lambda: (_incident(store, incident_id) or Incident()).resolved_at is not None, 60,
          lambda: "the incident stayed open")
    codes = range(first, first + divisions)
    booked = Counter(entry["YourRef"] for code in codes for entry in sandbox.state.entries(code))
    mails = [m for m in mailbox.messages() if m["To"] == support]
    return Outage(
        incidents=len({t.incident_id for t in read_tasks(store, task_ids)} - {None}),
        dossiers_in_incident=dossiers, support_mails=len(mails),
        incident_mails=sum("storing" in str(m["Subject"]).lower() for m in mails),
        duplicates=sum(count - 1 for count in booked.values() if count > 1),
        http_429=sandbox.state.http_429 + sandbox.state.faults.http_429,
        booked=sum(booked.values()), documents=len(task_ids), recovery_s=round(recovery, 1),
        failed_during=dict(during), resolved=True)
