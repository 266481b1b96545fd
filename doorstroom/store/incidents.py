"""Incidents: one outage over many dossiers, kept and followed up as one.

A run whose tasks fail for a cause on the package's side (``FailureCode.outage``: Exact
Online answering 503 three times over, an office's agent offline) attaches them to the open
incident of that package (or that office's server) and that cause, or opens it. Support gets
one notice per incident instead of one per dossier; the follower (``flows/incidents.py``)
probes until the package answers and restarts every run the incident holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstroom.failures import Responsibility
from doorstroom.failures.codes import WAITS_FOR_OUTAGE, outage_cause
from doorstroom.store.db import session_scope
from doorstroom.store.models import (
    Dossier,
    Incident,
    Office,
    SyncTask,
    TaskStatus,
    UserRole,
    utcnow,
)
from doorstroom.store.queries import Viewer, visible_dossiers
from doorstroom.store.repository import OPEN_STATUSES


@dataclass(frozen=True)
class IncidentView:
    """What the support page and the offices' banner show of an open incident."""

    id: int
    package: str
    office_id: int | None
    office: str | None
    """The office whose server is down (an agent); ``None`` when the package is."""
    cause: str
    status: str | None
    opened_at: datetime
    last_probe_at: datetime | None
    probes: int
    recovered_at: datetime | None
    dossiers: int
    """Dossiers the incident failed (those the viewer may see)."""
    waiting: int
    """Of their tasks, those not done yet."""


@dataclass(frozen=True)
class ProbeTarget:
    """A dossier the incident failed: the follower looks at the package through it."""

    dossier_id: int
    name: str
    external_id: str
    package: str
    block: str


def _key(package: str, office_id: int | None, cause: str) -> str:
    return f"{package}:{office_id if office_id is not None else '*'}:{cause}"


def _open_or_join(session: Session, package: str, office_id: int | None, cause: str,
                  status: str | None) -> tuple[Incident, bool]:
    key = _key(package, office_id, cause)
    found = session.scalars(select(Incident).where(Incident.open_key == key)).first()
    if found is not None:
        return found, False
    incident = Incident(package=package, office_id=office_id, cause=cause, status=status,
                        open_key=key, probes=0)
    session.add(incident)
    session.flush()  # another run opening it at the same moment fails here: IntegrityError
    return incident, True


def _attach(session: Session, flow_run_id: str) -> list[int]:
    rows = session.execute(
        select(SyncTask, Dossier.package, Dossier.office_id)
        .join(Dossier, Dossier.id == SyncTask.dossier_id)
        .where(SyncTask.last_flow_run_id == flow_run_id,
               SyncTask.status == TaskStatus.FAILED)).all()
    opened = []
    now = utcnow()
    for task, package, office_id in rows:
        if task.failure_code == WAITS_FOR_OUTAGE.name:
            continue  # held back by an open incident, attached to it already
        cause = outage_cause(task.failure_code, task.failure_params)
        if cause is None:  # failed for a cause of its own (after the outage, say)
            task.incident_id = None
            continue
        status = (task.failure_params or {}).get("status")
        incident, new = _open_or_join(
            session, package, office_id if cause.outage == "office" else None, cause.name,
            str(status) if status is not None else None)
        incident.last_failure_at = now
        task.incident_id = incident.id
        if new:
            opened.append(incident.id)
    return opened


def join_run(flow_run_id: str) -> list[int]:
    """Attach the run's outage failures to their open incidents (opening those that are
    not); return the incidents this run opened."""
    for _ in range(3):
        try:
            with session_scope() as session:
                return _attach(session, flow_run_id)
        except IntegrityError:
            continue  # another run opened the same incident first: join it
    raise RuntimeError(f"run {flow_run_id}: could not attach to an incident three times")


def blocking(session: Session, package: str, office_id: int) -> int | None:
    """The open incident that a run of this package and office would only run into: the
    package (or the office's agent) is down and not yet seen answering again."""
    return session.scalars(select(Incident.id).where(
        Incident.package == package, Incident.resolved_at.is_(None),
        Incident.recovered_at.is_(None),
        or_(Incident.office_id.is_(None), Incident.office_id == office_id)).limit(1)).first()


def attach(session: Session, incident_id: int, task_ids: Sequence[int]) -> None:
    """Tasks held back by an open incident wait with it (its follower restarts them)."""
    session.execute(update(SyncTask).where(SyncTask.id.in_(task_ids))
                    .values(incident_id=incident_id))
    session.execute(update(Incident).where(Incident.id == incident_id)
                    .values(last_failure_at=utcnow()))


def only_outage(session: Session, flow_run_id: str) -> bool:
    """Whether every red task of the run waits with an incident: the run needs no person of
    its own (support has the incident's one notice)."""
    red = select(SyncTask.incident_id).where(
        SyncTask.last_flow_run_id == flow_run_id, SyncTask.status == TaskStatus.FAILED,
        SyncTask.responsibility == Responsibility.SUPPORT)
    found = list(session.scalars(red))
    return bool(found) and all(incident is not None for incident in found)


def with_incident(session: Session, task_ids: Sequence[int]) -> set[int]:
    """Of ``task_ids``, those that wait with an incident."""
    return set(session.scalars(select(SyncTask.id).where(
        SyncTask.id.in_(task_ids), SyncTask.incident_id.is_not(None))))


def get(session: Session, incident_id: int) -> Incident | None:
    """One incident."""
    return session.get(Incident, incident_id)


def open_incidents(session: Session, viewer: Viewer) -> list[IncidentView]:
    """The open incidents that failed a dossier the viewer may see, with their counts
    (within what the viewer may see), oldest first."""
    mine = SyncTask.dossier_id.in_(visible_dossiers(viewer).scalar_subquery())
    rows = session.execute(
        select(Incident,
               func.count(SyncTask.dossier_id.distinct()),
               func.count(SyncTask.id).filter(SyncTask.status != TaskStatus.DONE))
        .join(SyncTask, SyncTask.incident_id == Incident.id)
        .where(Incident.resolved_at.is_(None), mine)
        .group_by(Incident.id).order_by(Incident.opened_at)).all()
    offices = {office.id: office.name for office in session.scalars(select(Office).where(
        Office.id.in_({i.office_id for i, _, _ in rows if i.office_id is not None})))}
    return [IncidentView(i.id, i.package, i.office_id, offices.get(i.office_id or 0), i.cause,
                         i.status, i.opened_at, i.last_probe_at, i.probes, i.recovered_at,
                         dossiers, waiting)
            for i, dossiers, waiting in rows]


def view(session: Session, incident_id: int) -> IncidentView | None:
    """One open incident as support sees it."""
    support = Viewer(0, UserRole.SUPPORT, None)
    return next((found for found in open_incidents(session, support)
                 if found.id == incident_id), None)


def claim_notice(session: Session, incident_id: int) -> bool:
    """Whether this caller is the one to tell support (once per incident, whoever asks)."""
    result = session.execute(update(Incident).where(
        Incident.id == incident_id, Incident.notified_at.is_(None)).values(notified_at=utcnow()))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def follow(session: Session, incident_id: int, flow_run_id: str, stale: timedelta) -> bool:
    """Become the incident's follower, unless a live one has it (seen within ``stale``)."""
    now = utcnow()
    result = session.execute(update(Incident).where(
        Incident.id == incident_id, Incident.resolved_at.is_(None),
        or_(Incident.follower.is_(None), Incident.follower == flow_run_id,
            Incident.follower_seen_at < now - stale))
        .values(follower=flow_run_id, follower_seen_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def let_go(session: Session, incident_id: int, flow_run_id: str) -> None:
    """A follower that stops hands the incident back (the sweep starts another)."""
    session.execute(update(Incident).where(
        Incident.id == incident_id, Incident.follower == flow_run_id)
        .values(follower=None, follower_seen_at=None))


def unfollowed(session: Session, stale: timedelta) -> list[int]:
    """Open incidents without a live follower (its run died, or its event was lost)."""
    return list(session.scalars(select(Incident.id).where(
        Incident.resolved_at.is_(None),
        or_(Incident.follower.is_(None), Incident.follower_seen_at < utcnow() - stale))))


def record_probe(session: Session, incident_id: int, flow_run_id: str, answered: bool) -> None:
    """A look at the package: counted, and proof the follower lives; an answer ends the
    outage (``recovered_at``), no answer after one starts it again."""
    now = utcnow()
    session.execute(update(Incident).where(Incident.id == incident_id).values(
        probes=Incident.probes + 1, last_probe_at=now, follower_seen_at=now,
        follower=flow_run_id, recovered_at=now if answered else None))


def probe_target(session: Session, incident_id: int) -> ProbeTarget | None:
    """The first dossier the incident failed that still waits: the package is looked at
    through its connection."""
    row = session.execute(
        select(Dossier).join(SyncTask, SyncTask.dossier_id == Dossier.id)
        .where(SyncTask.incident_id == incident_id, SyncTask.status != TaskStatus.DONE)
        .order_by(SyncTask.id).limit(1)).scalars().first()
    if row is None:
        return None
    return ProbeTarget(row.id, row.name, row.external_id, row.package, row.connection_block)


def runs_to_restart(session: Session, incident_id: int) -> list[str]:
    """The runs holding the incident's failed tasks, each once, oldest failure first."""
    rows = session.execute(
        select(SyncTask.last_flow_run_id, func.min(SyncTask.id))
        .where(SyncTask.incident_id == incident_id, SyncTask.status == TaskStatus.FAILED,
               SyncTask.last_flow_run_id.is_not(None))
        .group_by(SyncTask.last_flow_run_id).order_by(func.min(SyncTask.id))).all()
    return [run for run, _first in rows if run]


def waiting_dossiers(session: Session, incident_id: int) -> list[int]:
    """Dossiers whose work waits with the incident and was never started (no run yet)."""
    return list(session.scalars(select(SyncTask.dossier_id).where(
        SyncTask.incident_id == incident_id, SyncTask.status == TaskStatus.PENDING)
        .distinct().order_by(SyncTask.dossier_id)))


def counts(session: Session, incident_id: int) -> dict[str, int]:
    """The incident's tasks by status (``failed``, ``queued``, ``running``, ``done`` …)."""
    rows = session.execute(
        select(SyncTask.status, func.count()).where(SyncTask.incident_id == incident_id)
        .group_by(SyncTask.status)).all()
    return {str(status): number for status, number in rows}


def resolve(session: Session, incident_id: int) -> bool:
    """Close the incident once none of its tasks is failed or on its way; a new failure
    of the same cause opens a new incident."""
    left = session.scalar(select(func.count()).where(
        SyncTask.incident_id == incident_id,
        SyncTask.status.in_(OPEN_STATUSES)))
    if left:
        return False
    session.execute(update(Incident).where(Incident.id == incident_id).values(
        resolved_at=utcnow(), open_key=None, follower=None))
    return True


def dossier_ids(session: Session, incident_id: int) -> Sequence[int]:
    """The dossiers the incident failed."""
    return list(session.scalars(select(SyncTask.dossier_id).where(
        SyncTask.incident_id == incident_id).distinct()))
