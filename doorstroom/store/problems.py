"""Problems: the failed tasks of one dossier that share a cause — one failure code with the
same parameters (rights missing in dossier X, period 201802 closed) — read as one.

One cause blocks many documents; the office fixes it once and restarts them all. A problem
is named by a key made of its dossier and a digest of its code and parameters, so a page can
post it back and the store finds the same tasks again (and any that failed for the same cause
since the page was drawn), always within what the viewer may see.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstroom.store.db import as_utc
from doorstroom.store.models import (
    Dossier,
    DossierProblem,
    Responsibility,
    SyncTask,
    TaskKind,
    TaskStatus,
)
from doorstroom.store.queries import Viewer, task_rows, visible_dossiers

SHOWN = 20
"""Problems a page shows, the largest first (one more is read to know there are more)."""


@dataclass(frozen=True)
class Problem:
    """Failed tasks of one dossier with one cause, and the tasks waiting behind them."""

    key: str
    dossier_id: int
    code: str
    params: dict[str, Any]
    responsibility: Responsibility
    task_ids: tuple[int, ...]
    since: datetime
    """When the oldest of its tasks failed."""
    waiting: int
    """Tasks that wait behind it: the dossier's bookings behind a failed link, or the other
    tasks of the runs it stopped; its restart runs them too."""
    tasks: tuple[SyncTask, ...] = ()
    """The failed tasks themselves (with document and dossier), for the page."""
    due: date | None = None
    """The nearest VAT due date among its documents."""


def problem_key(dossier_id: int, code: str, params: Mapping[str, Any] | None) -> str:
    """The stable name of a cause in a dossier: ``<dossier>-<digest of code and params>``."""
    canonical = json.dumps([code, dict(params or {})], sort_keys=True, separators=(",", ":"),
                           default=str)
    return f"{dossier_id}-{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"


def _dossier_of(key: str) -> int | None:
    head, _, digest = key.partition("-")
    return int(head) if head.isdigit() and len(digest) == 16 and len(head) < 19 else None


def problems(session: Session, viewer: Viewer, dossier_id: int | None = None,
             limit: int = SHOWN) -> list[Problem]:
    """The viewer's problems (of one dossier, or all): orange before red, then the nearest VAT
    deadline, then the largest.

    The causes and their counts come from the dossiers' summaries (kept with the tasks, see
    ``doorstroom.store.summaries``), whose index is in this order: a page reads the
    problems it shows, not every failed task the viewer may see.
    """
    query = (select(DossierProblem)
             .where(DossierProblem.dossier_id.in_(visible_dossiers(viewer)))
             .order_by(DossierProblem.responsibility,  # "employee" < "support": orange first
                       DossierProblem.due.asc().nulls_last(), DossierProblem.tasks.desc(),
                       DossierProblem.dossier_id, DossierProblem.first_task_id)
             .limit(limit))
    if dossier_id is not None:
        query = query.where(DossierProblem.dossier_id == dossier_id)
    groups = session.scalars(query).all()
    if not groups:
        return []
    members = _failed_by_key(session, {group.dossier_id for group in groups})
    behind_link = _waiting_behind_link(session, {group.dossier_id for group in groups})
    in_runs = _waiting_in_runs(session, {task.last_flow_run_id for tasks in members.values()
                                         for task in tasks if task.last_flow_run_id})
    found = []
    for group in groups:
        params = _params(group.params_text)
        key = problem_key(group.dossier_id, group.failure_code, params)
        tasks = members.get(key, [])
        if not tasks:
            continue
        if any(task.kind == TaskKind.CREATE_DOSSIER for task in tasks):
            waiting = behind_link.get(group.dossier_id, 0)
        else:
            waiting = sum(in_runs.get(run, 0) for run in
                          {task.last_flow_run_id for task in tasks if task.last_flow_run_id})
        found.append(Problem(key, group.dossier_id, group.failure_code, params,
                             group.responsibility, tuple(task.id for task in tasks),
                             as_utc(group.since), waiting, tuple(tasks), group.due))
    return found


def _params(text: str | None) -> dict[str, Any]:
    value = json.loads(text) if text else None
    return value if isinstance(value, dict) else {}


def _failed_by_key(session: Session, dossier_ids: set[int]) -> dict[str, list[SyncTask]]:
    page = select(SyncTask.id).where(SyncTask.dossier_id.in_(dossier_ids),
                                     SyncTask.status == TaskStatus.FAILED)
    found: dict[str, list[SyncTask]] = {}
    for task in task_rows(session, page, SyncTask.id):
        if task.failure_code:
            key = problem_key(task.dossier_id, task.failure_code, task.failure_params)
            found.setdefault(key, []).append(task)
    return found


def _waiting_behind_link(session: Session, dossier_ids: set[int]) -> dict[int, int]:
    """Per dossier, the bookings that wait (pending or queued) for its link."""
    rows = session.execute(
        select(SyncTask.dossier_id, func.count(SyncTask.id))
        .where(SyncTask.dossier_id.in_(dossier_ids), SyncTask.kind != TaskKind.CREATE_DOSSIER,
               SyncTask.status.in_((TaskStatus.PENDING, TaskStatus.QUEUED)))
        .group_by(SyncTask.dossier_id)).all()
    return {dossier: count for dossier, count in rows}


def _waiting_in_runs(session: Session, runs: set[str]) -> dict[str, int]:
    """Per flow run, its tasks that wait (queued) behind the failure that stopped it."""
    if not runs:
        return {}
    rows = session.execute(
        select(SyncTask.last_flow_run_id, func.count(SyncTask.id))
        .where(SyncTask.last_flow_run_id.in_(runs),
               SyncTask.status.in_((TaskStatus.PENDING, TaskStatus.QUEUED)))
        .group_by(SyncTask.last_flow_run_id)).all()
    return {run: count for run, count in rows if run}


def tasks_of_problems(session: Session, viewer: Viewer, keys: Sequence[str]
                      ) -> dict[str, list[int]]:
    """The failed tasks each posted key names now, within what the viewer may see; a key
    that names nothing visible is left out."""
    wanted = {key: dossier for key in keys if (dossier := _dossier_of(key)) is not None}
    if not wanted:
        return {}
    visible = set(session.scalars(
        visible_dossiers(viewer).where(Dossier.id.in_(set(wanted.values())))))
    members = _failed_by_key(session, visible)
    return {key: [task.id for task in members[key]] for key in wanted if key in members}
