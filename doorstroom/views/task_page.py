"""What a task's own page shows, in the reader's language: the document as received, the
failure with its date and age, and the task's history (attempts, restarts, urgency).

Office staff read what happened and who acts; support also reads each attempt's technical
detail. Kept beside :mod:`doorstroom.views` (the rows) so both name things the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstroom.failures.catalog import render
from doorstroom.i18n import N_, format_age, format_day, format_moment, format_money, gettext
from doorstroom.period_choice import label
from doorstroom.store.db import as_utc
from doorstroom.store.history import StoredFile, TaskHistory
from doorstroom.store.models import Attempt, SyncTask, TaskStatus, UserRole
from doorstroom.views import RESTART_NOTES, TaskRow

OUTCOME_LABELS = {
    "done": N_("Done"),
    "Transient": N_("Failed for a moment; retried automatically"),
    "transient": N_("Failed for a moment; retried automatically"),
    "EmployeeActionRequired": N_("Action required from the office"),
    "SupportRequired": N_("Support is on it"),
}


@dataclass(frozen=True)
class DocumentView:
    """The document as received: who, what, how much."""

    number: str
    kind: str
    issue_date: str
    due_date: str
    party: str
    party_vat: str
    total_excl: str
    total_vat: str
    total_incl: str
    files: list[StoredFile]


@dataclass(frozen=True)
class HistoryLine:
    """One event in the task's life."""

    moment: str
    text: str
    detail: str
    """Technical detail, for support only."""


@dataclass(frozen=True)
class TaskPage:
    """Everything the task's page shows beside its row."""

    row: TaskRow
    document: DocumentView | None
    failed_at: str
    failed_ago: str
    history: list[HistoryLine]


def _document(task: SyncTask, files: list[StoredFile], language: str) -> DocumentView | None:
    document = task.document
    if document is None:
        return None
    return DocumentView(
        number=document.number, kind=document.kind.value,
        issue_date=format_day(document.issue_date, language),
        due_date=format_day(document.due_date, language),
        party=document.party_name, party_vat=document.party_vat,
        total_excl=format_money(document.total_excl, document.currency, language),
        total_vat=format_money(document.total_vat, document.currency, language),
        total_incl=format_money(document.total_incl, document.currency, language), files=files)


def _attempt_text(attempt: Attempt, task: SyncTask, language: str) -> str:
    if attempt.finished_at is None:
        return gettext(language, N_("Attempt started"))
    label = gettext(language, OUTCOME_LABELS.get(attempt.outcome or "", N_("Ended")))
    if attempt.failure_code and attempt.failure_code == task.failure_code:
        return f"{label}: {render(attempt.failure_code, task.failure_params or {}, language)}"
    return label


def _restart_text(actor: str, language: str) -> str:
    known = RESTART_NOTES.get(actor)
    if known:
        return gettext(language, known)
    return gettext(language, N_("Restarted by %(who)s.")) % {"who": actor}


def history_lines(task: SyncTask, history: TaskHistory, role: UserRole, language: str,
                  timezone: str) -> list[HistoryLine]:
    """The task's events, oldest first; technical detail only for support."""
    support = role == UserRole.SUPPORT
    events: list[tuple[datetime, str, str]] = []
    for attempt in history.attempts:
        detail = (attempt.detail or "") if support else ""
        events.append((as_utc(attempt.started_at), _attempt_text(attempt, task, language),
                       detail))
    for restart in history.restarts:
        events.append((as_utc(restart.at), _restart_text(restart.actor, language), ""))
    for entry in history.escalations:
        text = gettext(language, N_("Marked urgent by %(who)s.")) % {"who": entry.actor}
        events.append((as_utc(entry.at), text, ""))
    for entry in history.choices:
        chosen = entry.detail or {}
        text = gettext(language, N_("%(who)s chose to book the document in %(period)s instead "
                                    "of %(closed)s.")) % {
            "who": entry.actor, "period": label(str(chosen.get("to", ""))),
            "closed": ", ".join(label(p) for p in str(chosen.get("from", "")).split(",") if p)}
        events.append((as_utc(entry.at), text, ""))
    events.sort(key=lambda event: event[0])
    return [HistoryLine(format_moment(at, language, timezone), text, detail)
            for at, text, detail in events]


def task_page(row: TaskRow, task: SyncTask, files: list[StoredFile], history: TaskHistory,
              role: UserRole, language: str, timezone: str, now: datetime) -> TaskPage:
    """The task's page for a reader with ``role`` and ``language``."""
    failed_at = as_utc(task.finished_at) if task.status == TaskStatus.FAILED and \
        task.finished_at else None
    return TaskPage(
        row=row, document=_document(task, files, language),
        failed_at=format_moment(failed_at, language, timezone),
        failed_ago=format_age(failed_at, now, language),
        history=history_lines(task, history, role, language, timezone))
