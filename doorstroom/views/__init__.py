"""What a row of the follow-up shows, in the reader's language: labels, instruction, actions.

Kept apart from the routes so the pages, the row fragment and the support view agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from doorstroom import clock
from doorstroom.failures import Responsibility
from doorstroom.failures.catalog import package_name, render, support_hint
from doorstroom.failures.codes import WAITS_FOR_OUTAGE
from doorstroom.i18n import N_, format_moment, format_money, gettext
from doorstroom.period_choice import Offer, label
from doorstroom.settings import get_settings
from doorstroom.store.db import as_utc
from doorstroom.store.models import SyncTask, TaskKind, TaskStatus, UserRole
from doorstroom.store.problems import Problem
from doorstroom.vat_calendar import WorkingHours
from doorstroom.views.deadlines import Deadline, deadline

KIND_LABELS = {
    TaskKind.CREATE_DOSSIER: N_("Create dossier"),
    TaskKind.POST_BOOKING: N_("Post booking"),
    TaskKind.DELETE_BOOKING: N_("Delete booking"),
    TaskKind.REFRESH_MASTER_DATA: N_("Refresh master data"),
}
STATUS_LABELS = {
    "employee": N_("Action required from the office"),
    "support": N_("Support is on it"),
    "pending": N_("Waiting"),
    "queued": N_("Queued"),
    "running": N_("Running"),
    "done": N_("Done"),
}
ICON_LABELS = {
    "black": N_("Everything flows"),
    "red": N_("Support is on it"),
    "orange": N_("Action required from the office"),
}
STATUS_FILTER_LABELS = {
    "open": N_("Not done"),
    "employee": N_("Action required from the office"),
    "support": N_("Support is on it"),
    "waiting": N_("Waiting or running"),
    "done": N_("Done"),
}
"""The follow-up's status filter (``queries.STATUS_FILTERS``), as people read it."""
SETTLED = {"employee", "support", "done"}
RESTART_NOTES = {
    "auto-recheck": N_("Resolved automatically: Doorstroom saw that the cause was gone and "
                       "restarted the task."),
    "recover-interrupted": N_("Restarted automatically after its worker stopped."),
}


def status_key(task: SyncTask) -> str:
    """One key for status + responsibility: what colour and words the row gets."""
    if task.status == TaskStatus.FAILED:
        return "support" if task.responsibility == Responsibility.SUPPORT else "employee"
    return str(task.status.value)


@dataclass(frozen=True)
class TaskRow:
    """One task as the follow-up and the support view show it."""

    id: int
    dossier_id: int
    dossier: str
    office: str
    moment: str
    document: str
    kind: str
    package: str
    status: str
    status_label: str
    instruction: str
    note: str
    hint: str
    attempts: int
    flow_run_url: str
    urgent: bool
    urgent_note: str
    """Who asked support to hurry, when, and why."""
    claimed_by: str
    support_note: str
    """Support's note to the office, with who wrote it."""
    can_restart: bool
    can_mark_urgent: bool
    can_claim: bool
    """Support may take (or give back) this task."""
    deadline: str = ""
    """The VAT return the waiting document belongs in and the days left to file it."""
    deadline_level: str = ""
    """``red``, ``amber``, ``calm``; empty when there is no deadline."""
    overdue_for_support: bool = False
    """A red task past support's time-to-fix target (``DOORSTROOM_SUPPORT_TARGET_HOURS``)."""
    period_choices: tuple[tuple[str, str], ...] = ()
    """``(period, label)`` the document may move to out of its closed period; first proposed."""
    blocked_periods: str = ""
    """The closed period(s) it failed on, as people write them (``2017/09, 2017/12``)."""

    @property
    def settled(self) -> bool:
        """Whether the row can change by itself (then the page keeps polling it)."""
        return self.status in SETTLED


def _document(task: SyncTask, language: str) -> str:
    """Number and party; and the amount still due when it is not the total (something was
    prepaid or rounded, BT-113/BT-114): the figure the office pays or chases."""
    document = task.document
    if document is None:
        return ""
    label = f"{document.number} · {document.party_name}"
    proposal = document.proposal or {}
    payable = proposal.get("payable")
    if payable is not None and Decimal(str(payable)) != document.total_incl:
        due = format_money(Decimal(str(payable)), document.currency, language)
        label += " · " + gettext(language, N_("due %(amount)s")) % {"amount": due}
    return label


def _instruction(task: SyncTask, key: str, language: str,
                 offer: Offer | None = None) -> tuple[str, str]:
    if task.status != TaskStatus.FAILED or not task.failure_code:
        return "", ""
    params = task.failure_params or {}
    instruction = render(task.failure_code, params, language)
    if offer is not None:  # the way out of a closed year, instead of "contact support"
        instruction = render(f"choice.{task.failure_code}",
                             {**params, "choice": label(offer.proposed)}, language)
    if task.incident_id is not None:  # an outage's task: nothing for the office to do
        instruction = render(WAITS_FOR_OUTAGE.name, {
            "package": package_name(task.dossier.package, language)}, language)
    hint = support_hint(task.failure_code, params, language) if key == "support" else None
    return instruction, hint or ""


def _note(task: SyncTask, language: str) -> str:
    """Who restarted the task (automatic restarts are named); for a task that failed again
    after a restart, that the cause is still there — else a restart that changed nothing
    looks like a restart that did not happen."""
    if not task.restarted_by:
        return ""
    if task.status == TaskStatus.FAILED:
        if task.restarted_by in RESTART_NOTES:
            return gettext(language, N_("Failed again after an automatic restart: the cause "
                                        "is still there."))
        return gettext(language, N_("Failed again after the restart by %(who)s: the cause is "
                                    "still there.")) % {"who": task.restarted_by}
    known = RESTART_NOTES.get(task.restarted_by)
    if known:
        return gettext(language, known)
    return gettext(language, N_("Restarted by %(who)s.")) % {"who": task.restarted_by}


def task_deadline(task: SyncTask, language: str, timezone: str) -> Deadline | None:
    """The deadline of a task's document while the task waits (a done task has none)."""
    document = task.document
    if document is None or task.status == TaskStatus.DONE:
        return None
    return deadline(document.vat_return, document.vat_due, clock.today(timezone), language)


def past_target(task: SyncTask) -> bool:
    """Whether a red task has waited longer than support's target, in working hours."""
    settings = get_settings()
    since = task.first_failed_at or task.finished_at
    if since is None:
        return False
    waited = WorkingHours(timezone=settings.timezone).between(as_utc(since), clock.now())
    return waited >= timedelta(hours=settings.support_target_hours)


def _moment(task: SyncTask) -> datetime:
    """The date a row shows: when the task failed or was done, else when it came in — never
    the last change (marking a task urgent must not move its date)."""
    if task.status in (TaskStatus.FAILED, TaskStatus.DONE) and task.finished_at is not None:
        return task.finished_at
    return task.created_at


def _status_label(key: str, language: str, waits_for: TaskKind | None) -> str:
    if key in ("pending", "queued") and waits_for is not None:
        return gettext(language, N_("Waiting for: %(task)s")) % {
            "task": gettext(language, KIND_LABELS[waits_for])}
    return gettext(language, STATUS_LABELS[key])


def task_row(task: SyncTask, role: UserRole, language: str, timezone: str,
             prefect_ui_url: str, waits_for: TaskKind | None = None,
             offer: Offer | None = None) -> TaskRow:
    """The row of ``task`` for a reader with ``role`` and ``language``; ``waits_for`` names
    the failed task it waits behind (``queries.waiting_behind``), ``offer`` the periods its
    document may move to (``period_choice.offers``)."""
    key = status_key(task)
    instruction, hint = _instruction(task, key, language, offer)
    run = task.last_flow_run_id
    due = task_deadline(task, language, timezone)
    return TaskRow(
        id=task.id, dossier_id=task.dossier_id, dossier=task.dossier.name,
        office=task.dossier.office.name, moment=format_moment(_moment(task), language, timezone),
        document=_document(task, language), kind=gettext(language, KIND_LABELS[task.kind]),
        package=package_name(task.dossier.package, language),
        status=key, status_label=_status_label(key, language, waits_for),
        instruction=instruction, note=_note(task, language),
        hint=hint if role == UserRole.SUPPORT else "",
        attempts=task.attempts,
        # The Prefect UI is the operators' console: office staff never get a way in.
        flow_run_url=(f"{prefect_ui_url}/runs/flow-run/{run}"
                      if run and role == UserRole.SUPPORT else ""),
        urgent=task.urgent and key == "support",
        urgent_note=_urgent_note(task, language, timezone) if key == "support" else "",
        claimed_by=task.claimed_by or "" if task.status == TaskStatus.FAILED else "",
        support_note=_support_note(task, language),
        can_restart=task.status == TaskStatus.FAILED,
        can_mark_urgent=key == "support" and not task.urgent and role != UserRole.SUPPORT,
        can_claim=role == UserRole.SUPPORT and task.status == TaskStatus.FAILED,
        deadline=due.text if due else "", deadline_level=due.level if due else "",
        overdue_for_support=key == "support" and past_target(task),
        period_choices=tuple((p, label(p)) for p in offer.periods) if offer else (),
        blocked_periods=", ".join(label(p) for p in offer.blocked) if offer else "",
    )


def _urgent_note(task: SyncTask, language: str, timezone: str) -> str:
    if not task.urgent or not task.urgent_by:
        return ""
    text = gettext(language, N_("Marked urgent by %(who)s on %(moment)s.")) % {
        "who": task.urgent_by, "moment": format_moment(task.urgent_at, language, timezone)}
    return f"{text} {task.urgent_reason}" if task.urgent_reason else text


def _support_note(task: SyncTask, language: str) -> str:
    if not task.support_note:
        return ""
    return gettext(language, N_("Support (%(who)s): %(note)s")) % {
        "who": task.support_note_by or "?", "note": task.support_note}


@dataclass(frozen=True)
class ProblemTask:
    """One task of a problem, as its expandable list names it."""

    id: int
    document: str
    kind: str


@dataclass(frozen=True)
class ProblemRow:
    """A problem as the follow-up shows it: one instruction, one count, one restart."""

    key: str
    dossier_id: int
    dossier: str
    office: str
    package: str
    status: str
    status_label: str
    instruction: str
    hint: str
    count: int
    waiting: int
    since: str
    tasks: tuple[ProblemTask, ...]
    deadline: str = ""
    """The nearest VAT deadline among its documents."""
    deadline_level: str = ""


def problem_row(problem: Problem, role: UserRole, language: str, timezone: str,
                offer: Offer | None = None) -> ProblemRow:
    """The row of ``problem`` for a reader with ``role`` and ``language``; ``offer`` is its
    first task's way out of a closed period, if it has one."""
    first = problem.tasks[0]
    key = "support" if problem.responsibility == Responsibility.SUPPORT else "employee"
    instruction, hint = _instruction(first, key, language, offer)
    nearest = min((found for task in problem.tasks
                   if (found := task_deadline(task, language, timezone)) is not None),
                  key=lambda found: found.due, default=None)
    return ProblemRow(
        key=problem.key, dossier_id=problem.dossier_id, dossier=first.dossier.name,
        office=first.dossier.office.name, package=package_name(first.dossier.package, language),
        status=key, status_label=gettext(language, STATUS_LABELS[key]),
        instruction=instruction, hint=hint if role == UserRole.SUPPORT else "",
        count=len(problem.task_ids), waiting=problem.waiting,
        since=format_moment(problem.since, language, timezone),
        tasks=tuple(ProblemTask(task.id, _document(task, language) or
                                gettext(language, KIND_LABELS[task.kind]),
                                gettext(language, KIND_LABELS[task.kind]))
                    for task in problem.tasks),
        deadline=nearest.text if nearest else "",
        deadline_level=nearest.level if nearest else "")
