"""Read-only queries behind the monitor's pages and the e-mails, scoped by what a user may see.

Rights are part of every query (never a filter applied afterwards), so a list cannot leak a
row: support sees every office, office-level users their office, dossier-level users the
dossiers they hold a right on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select, true
from sqlalchemy.orm import Session, contains_eager, joinedload, raiseload

from doorstroom.store.db import as_utc
from doorstroom.store.models import (
    AuditEntry,
    Document,
    Dossier,
    DossierRight,
    Office,
    Responsibility,
    SyncTask,
    TaskKind,
    TaskStatus,
    User,
    UserRole,
)
from doorstroom.vat_calendar import DEFAULT_FILING

ICONS = ("black", "red", "orange")


@dataclass(frozen=True)
class Viewer:
    """Who is looking: enough to scope every query."""

    user_id: int
    role: UserRole
    office_id: int | None

    @classmethod
    def of(cls, user: User) -> Viewer:
        """The viewer for a user row."""
        return cls(user.id, user.role, user.office_id)


@dataclass(frozen=True)
class ClientRow:
    """One line of the active-clients list."""

    dossier_id: int
    name: str
    package: str
    office: str
    support_tasks: int
    employee_tasks: int

    @property
    def icon(self) -> str:
        """Orange when the office must act, red when support is on it, black when flowing."""
        if self.employee_tasks:
            return "orange"
        return "red" if self.support_tasks else "black"


def may_see(viewer: Viewer) -> Any:
    """The condition on ``Dossier`` rows that ``viewer`` may see."""
    if viewer.role == UserRole.SUPPORT:
        return true()
    office = Dossier.office_id == viewer.office_id
    if viewer.role == UserRole.OFFICE:
        return office
    return office & Dossier.id.in_(select(DossierRight.dossier_id).where(
        DossierRight.user_id == viewer.user_id))


def visible_dossiers(viewer: Viewer) -> Select[Any]:
    """The ids of the dossiers ``viewer`` may see, as a subquery-able select."""
    return select(Dossier.id).where(may_see(viewer))


def _icon_order() -> Any:
    """Orange dossiers first (the office can act), then red, then black."""
    return case((Dossier.employee_failed > 0, 0), (Dossier.support_failed > 0, 1), else_=2)


def _clients(viewer: Viewer, search: str = "", icon: str = "", package: str = "",
             dossier_id: int | None = None) -> Select[int, str, str, str, int, int]:
    """The active-clients rows (unordered, unpaged): each visible dossier with its counts of
    failed tasks, as the dossier's summary keeps them (``doorstroom.store.summaries``)."""
    query = (
        select(Dossier.id, Dossier.name, Dossier.package, Office.name,
               Dossier.support_failed, Dossier.employee_failed)
        .join(Office, Office.id == Dossier.office_id)
        .where(may_see(viewer))
    )
    if search:
        query = query.where(func.lower(Dossier.name).contains(search.lower(), autoescape=True))
    if package:
        query = query.where(Dossier.package == package)
    if dossier_id is not None:
        query = query.where(Dossier.id == dossier_id)
    if icon == "orange":
        query = query.where(Dossier.employee_failed > 0)
    elif icon == "red":
        query = query.where(Dossier.employee_failed == 0, Dossier.support_failed > 0)
    elif icon == "black":
        query = query.where(Dossier.employee_failed == 0, Dossier.support_failed == 0)
    return query


def active_clients(session: Session, viewer: Viewer, *, search: str = "", icon: str = "",
                   package: str = "", page: int = 1, per_page: int = 50,
                   ) -> tuple[list[ClientRow], int]:
    """A page of the active-clients list, orange first, then red, then black, each by name;
    and the number of rows in all pages."""
    query = _clients(viewer, search, icon, package)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(_icon_order(), Dossier.name, Dossier.id)
                           .limit(per_page).offset(max(page - 1, 0) * per_page)).all()
    return [ClientRow(*row) for row in rows], int(total)


@dataclass(frozen=True)
class Impact:
    """What waits in one dossier: documents not yet booked, their VAT, the nearest return."""

    documents: int
    vat: tuple[tuple[str, Decimal], ...]
    """The VAT of those documents, per currency."""
    vat_return: str | None
    due: date | None


def dossier_impact(session: Session, dossier_id: int) -> Impact:
    """The documents of a dossier whose booking is not done yet, summed (the caller has
    checked the viewer may see the dossier)."""
    waiting = (select(Document.id, Document.currency, Document.total_vat, Document.vat_return,
                      Document.vat_due)
               .where(Document.dossier_id == dossier_id, Document.id.in_(
                   select(SyncTask.document_id).where(
                       SyncTask.dossier_id == dossier_id,
                       SyncTask.kind == TaskKind.POST_BOOKING,
                       SyncTask.status != TaskStatus.DONE))))
    rows = session.execute(waiting).all()
    totals: dict[str, Decimal] = {}
    for _id, currency, vat, _return, _due in rows:
        totals[currency] = totals.get(currency, Decimal(0)) + vat
    nearest = min(((due, key) for *_, key, due in rows if due is not None), default=None)
    return Impact(len(rows), tuple(sorted(totals.items())),
                  nearest[1] if nearest else None, nearest[0] if nearest else None)


def vat_filing(session: Session, dossier_id: int) -> str:
    """How often a dossier files its VAT return (the Belgian rule, monthly, when unset)."""
    found = session.scalar(select(Dossier.vat_filing).where(Dossier.id == dossier_id))
    return found or DEFAULT_FILING.value


def client(session: Session, viewer: Viewer, dossier_id: int) -> ClientRow | None:
    """One dossier's line of the active-clients list, or ``None`` if the viewer may not see it."""
    row = session.execute(_clients(viewer, dossier_id=dossier_id)).first()
    return ClientRow(*row) if row else None


def _visible_tasks(viewer: Viewer) -> Select[Any]:
    """Ids of the tasks ``viewer`` may see; support's is unfiltered, so indexes serve it."""
    query = select(SyncTask.id)
    if viewer.role != UserRole.SUPPORT:
        query = query.where(SyncTask.dossier_id.in_(visible_dossiers(viewer)))
    return query


def task_rows(session: Session, page: Select[Any], *order: Any) -> list[SyncTask]:
    """Tasks of one page with what their rows show, in one more statement (no N+1).

    The page is chosen on the bare table first (the newest-first index serves it), and only
    that page is joined with documents, dossiers and offices.
    """
    ids = page.subquery()
    query = (select(SyncTask).outerjoin(Document, Document.id == SyncTask.document_id)
             .where(SyncTask.id.in_(select(ids.c.id))).order_by(*order)
             .options(joinedload(SyncTask.dossier).joinedload(Dossier.office),
                      contains_eager(SyncTask.document), raiseload("*")))
    return list(session.scalars(query))


NEWEST_FIRST = (SyncTask.updated_at.desc(), SyncTask.id.desc())
DEADLINE_FIRST = (SyncTask.urgent.desc(), SyncTask.vat_due.asc().nulls_last())
"""Urgent first, then the nearest VAT deadline (the task's copy of its document's)."""
SUPPORT_ORDER = (*DEADLINE_FIRST, SyncTask.finished_at.asc().nulls_last(), SyncTask.id)
"""Urgent first, then the nearest deadline, then the oldest failure (not the last change:
marking urgent moves nothing)."""
OPEN_FIRST = (*DEADLINE_FIRST, *NEWEST_FIRST)
"""Unfinished work by urgency and deadline, then the newest (an index of failed tasks
serves it for the lists narrowed to orange or red)."""
WAITING_FIRST = (case((SyncTask.status == TaskStatus.DONE, 1), else_=0), *OPEN_FIRST)
"""A dossier's follow-up: what still waits first, by urgency and deadline; then the rest."""
OPEN_FILTERS = ("open", "employee", "support", "waiting")


STATUS_FILTERS = ("open", "employee", "support", "waiting", "done")
"""What the follow-up can be narrowed to: not done, orange, red, on its way, done."""


@dataclass(frozen=True)
class TaskFilter:
    """What a person narrows the follow-up to; empty fields narrow nothing."""

    dossier: str = ""
    """Part of the dossier's name."""
    package: str = ""
    status: str = ""
    """One of :data:`STATUS_FILTERS`."""
    text: str = ""
    """Part of the document's number or party."""

    def apply(self, query: Select[Any], visible: Select[Any]) -> Select[Any]:
        """``query`` (of task ids) narrowed to this filter; a dossier's name or package is
        looked for among the ``visible`` dossiers (an office's 5,000, not all 100,000)."""
        if self.dossier or self.package:
            dossiers = visible
            if self.dossier:
                dossiers = dossiers.where(func.lower(Dossier.name).contains(
                    self.dossier.lower(), autoescape=True))
            if self.package:
                dossiers = dossiers.where(Dossier.package == self.package)
            query = query.where(SyncTask.dossier_id.in_(dossiers))
        if self.text:
            needle = self.text.lower()
            query = query.where(SyncTask.document_id.in_(select(Document.id).where(
                func.lower(Document.number).contains(needle, autoescape=True)
                | func.lower(Document.party_name).contains(needle, autoescape=True))))
        return query.where(*_status_condition(self.status))


def _status_condition(status: str) -> tuple[Any, ...]:
    failed = SyncTask.status == TaskStatus.FAILED
    return {
        "open": (SyncTask.status != TaskStatus.DONE,),
        "employee": (failed, SyncTask.responsibility == Responsibility.EMPLOYEE),
        "support": (failed, SyncTask.responsibility == Responsibility.SUPPORT),
        "waiting": (SyncTask.status.in_((TaskStatus.PENDING, TaskStatus.QUEUED,
                                         TaskStatus.RUNNING)),),
        "done": (SyncTask.status == TaskStatus.DONE,),
    }.get(status, ())


def tasks_to_follow_up(session: Session, viewer: Viewer, dossier_id: int | None = None,
                       limit: int = 200, offset: int = 0, open_only: bool = False,
                       narrowed: TaskFilter | None = None) -> list[SyncTask]:
    """The sync follow-up: one dossier's tasks, or every visible dossier's. A dossier's, and
    any list narrowed to unfinished work, put what waits first (urgent, then the nearest VAT
    deadline); the list of every task stays newest first (its index serves it)."""
    query = _visible_tasks(viewer)
    if dossier_id is not None:
        query = query.where(SyncTask.dossier_id == dossier_id)
    if open_only:
        query = query.where(SyncTask.status != TaskStatus.DONE)
    if narrowed is not None:
        query = narrowed.apply(query, visible_dossiers(viewer))
    order: tuple[Any, ...] = NEWEST_FIRST
    if open_only or (narrowed and narrowed.status in OPEN_FILTERS):
        order = OPEN_FIRST  # nothing done is listed: "what waits first" orders nothing
    elif dossier_id is not None:
        order = WAITING_FIRST
    page = query.order_by(*order).limit(limit).offset(offset)
    return task_rows(session, page, *order)


def waiting_for_office(session: Session, viewer: Viewer, limit: int = 500) -> list[SyncTask]:
    """The orange tasks the viewer may see: the nearest VAT deadline first, then per
    dossier the oldest first."""
    order = (SyncTask.vat_due.asc().nulls_last(), SyncTask.dossier_id, SyncTask.updated_at,
             SyncTask.id)
    page = (_visible_tasks(viewer)
            .where(SyncTask.status == TaskStatus.FAILED,
                   SyncTask.responsibility == Responsibility.EMPLOYEE)
            .order_by(*order).limit(limit))
    return task_rows(session, page, *order)


def failed_for_support_in_run(session: Session, flow_run_id: str) -> list[SyncTask]:
    """The red tasks one flow run left (every office: this is for the support team)."""
    order = (SyncTask.dossier_id, SyncTask.id)
    page = select(SyncTask.id).where(  # an outage's tasks get the incident's one notice
        SyncTask.last_flow_run_id == flow_run_id, SyncTask.status == TaskStatus.FAILED,
        SyncTask.responsibility == Responsibility.SUPPORT, SyncTask.incident_id.is_(None))
    return task_rows(session, page, *order)


def waiting_behind(session: Session, tasks: Sequence[SyncTask]) -> dict[int, TaskKind]:
    """Of ``tasks``, those that wait behind a failed task, and the failed task's kind.

    A dossier's bookings go only once its link exists: while its "create dossier" task is
    failed, the dossier's pending and queued bookings wait for it. And a run stops at a
    failure of the whole dossier (rights, licence): its other tasks stay queued behind it.
    Both run again on the failed task's restart — shown as such, not as an anonymous queue.
    """
    queued = [t for t in tasks if t.kind != TaskKind.CREATE_DOSSIER
              and t.status in (TaskStatus.PENDING, TaskStatus.QUEUED)]
    if not queued:
        return {}
    unlinked = set(session.scalars(select(SyncTask.dossier_id).where(
        SyncTask.dossier_id.in_({t.dossier_id for t in queued}),
        SyncTask.kind == TaskKind.CREATE_DOSSIER, SyncTask.status == TaskStatus.FAILED)))
    runs = {t.last_flow_run_id for t in queued if t.last_flow_run_id}
    stopped: dict[str | None, TaskKind] = {
        run: kind for run, kind in session.execute(
            select(SyncTask.last_flow_run_id, SyncTask.kind).where(
                SyncTask.last_flow_run_id.in_(runs), SyncTask.status == TaskStatus.FAILED))
    } if runs else {}
    found: dict[int, TaskKind] = {}
    for task in queued:
        if task.dossier_id in unlinked:
            found[task.id] = TaskKind.CREATE_DOSSIER
        elif task.last_flow_run_id in stopped:
            found[task.id] = stopped[task.last_flow_run_id]
    return found


def task(session: Session, viewer: Viewer, task_id: int) -> SyncTask | None:
    """One task, or ``None`` if it does not exist or the viewer may not see it."""
    found = task_rows(session, _visible_tasks(viewer).where(SyncTask.id == task_id))
    return found[0] if found else None


def support_queue(session: Session, viewer: Viewer, limit: int = 200,
                  offset: int = 0) -> list[SyncTask]:
    """Every red task the viewer may see, urgent ones first, then the nearest VAT deadline,
    then the oldest; an open
    incident's tasks are its one row above the queue, not a row each."""
    page = (_visible_tasks(viewer)
            .where(SyncTask.status == TaskStatus.FAILED,
                   SyncTask.responsibility == Responsibility.SUPPORT,
                   SyncTask.incident_id.is_(None))
            .order_by(*SUPPORT_ORDER).limit(limit).offset(offset))
    return task_rows(session, page, *SUPPORT_ORDER)


def urgent_task(session: Session, task_id: int) -> SyncTask | None:
    """A red task that is marked urgent, with what its row shows; ``None`` otherwise."""
    found = task_rows(session, select(SyncTask.id).where(
        SyncTask.id == task_id, SyncTask.urgent.is_(True),
        SyncTask.status == TaskStatus.FAILED))
    return found[0] if found else None


def may_act_on(session: Session, viewer: Viewer, task_id: int) -> bool:
    """Whether the viewer may see (and so restart or escalate) this task."""
    return session.scalar(select(func.count()).select_from(SyncTask).where(
        SyncTask.id == task_id, SyncTask.dossier_id.in_(visible_dossiers(viewer)))) == 1


__all__ = [
    "ICONS",
    "STATUS_FILTERS",
    "ClientRow",
    "TaskFilter",
    "Viewer",
    "active_clients",
    "client",
    "failed_for_support_in_run",
    "may_act_on",
    "support_queue",
    "task",
    "task_rows",
    "tasks_to_follow_up",
    "urgent_task",
    "visible_dossiers",
    "waiting_for_office",
]


# --- people and their history (log-in, e-mails, the CLI) -------------------------------------
def was_audited(session: Session, action: str, object_id: str) -> bool:
    """Whether an action was ever done on an object (e.g. today's digest for a user)."""
    return session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == action, AuditEntry.object_id == object_id).limit(1)) is not None


def audited_at(session: Session, action: str, object_id: str) -> datetime | None:
    """When an action was first done on an object, if ever (e.g. a problem's notice)."""
    moment = session.scalar(select(func.min(AuditEntry.at)).where(
        AuditEntry.action == action, AuditEntry.object_id == object_id))
    return as_utc(moment) if moment is not None else None


def office_people(session: Session) -> list[User]:
    """Every office- and dossier-level user, by id."""
    return list(session.scalars(select(User).where(User.role != UserRole.SUPPORT)
                                .order_by(User.id)))


def support_team(session: Session) -> list[User]:
    """Every support user."""
    return list(session.scalars(select(User).where(User.role == UserRole.SUPPORT)
                                .order_by(User.id)))


def all_tasks(session: Session, failed_only: bool = False) -> list[SyncTask]:
    """Every sync task (or every failed one), oldest first: the CLI's listing."""
    query = select(SyncTask).order_by(SyncTask.id)
    if failed_only:
        query = query.where(SyncTask.status == TaskStatus.FAILED)
    return list(session.scalars(query))
