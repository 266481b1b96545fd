"""What a person can do to a task from the monitor: restart it, or stress its priority.

Both are audited (who, when, what). Refusals are values with a text (a msgid of the monitor's
catalogue) and the HTTP status the page answers with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from prefect.events import emit_event
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

from doorstroom import period_choice
from doorstroom.events import URGENT_EVENT, task_resource
from doorstroom.failures import Responsibility
from doorstroom.i18n import N_, gettext, ngettext
from doorstroom.restart import RestartRefused, restart_task, restart_tasks
from doorstroom.store import queries
from doorstroom.store import repository as repo
from doorstroom.store.db import Session
from doorstroom.store.models import SyncTask, TaskStatus, User, UserRole
from doorstroom.store.problems import tasks_of_problems
from doorstroom.store.queries import Viewer
from doorstroom.vat_calendar import Filing

RESTART_REFUSALS = {
    "missing": N_("This task no longer exists."),
    "not_failed": N_("Only failed tasks can be restarted; this one is not failed (any more)."),
    "never_run": N_("This task has not run yet; it starts with the next dispatch."),
    "not_from_deployment": N_("This run was not started by the scheduler; support can queue "
                              "the task again."),
    "run_not_failed": N_("The run of this task is not failed (any more); reload the page."),
    "run_finishing": N_("The run of this task is still finishing; try again in a minute."),
    "already_restarted": N_("This task was restarted already; it runs again in a moment."),
}
RESTARTED_BY = N_("Already restarted by %(who)s; the task runs again in a moment.")


@dataclass(frozen=True)
class Notice:
    """What the row says after an action: a msgid (and its plural, chosen by ``count``) and
    the values of its placeholders."""

    message: str
    params: dict[str, str] = field(default_factory=dict)
    plural: str | None = None
    count: int = 0

    def text(self, language: str) -> str:
        """The notice in ``language``."""
        template = ngettext(language, self.message, self.plural, self.count) if self.plural \
            else gettext(language, self.message)
        values = {"num": str(self.count), **self.params}
        return template % values if "%(" in template else template


class ActionRefused(Exception):
    """The action cannot be done now; ``message`` says why (a msgid), ``status_code`` how."""

    def __init__(self, message: str, status_code: int = 409,
                 params: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.params = params or {}
        """Values for the message's placeholders, filled in after it is translated."""


def restart(session: Session, user: User, task_id: int) -> Notice:
    """Restart the task (a Prefect retry of its run); the restart is audited.

    A task someone else restarted first is no refusal: it runs again, as the person asked,
    and the answer says who restarted it.
    """
    session.commit()  # end the read transaction: the restart writes through its own session
    try:
        restart_task(task_id, actor=user.email, user_id=user.id)
    except RestartRefused as refused:
        if refused.reason == "already_restarted":
            return Notice(RESTARTED_BY, {"who": refused.by}) if refused.by \
                else Notice(RESTART_REFUSALS[refused.reason])
        raise ActionRefused(RESTART_REFUSALS[refused.reason]) from None
    except ObjectNotFound:
        raise ActionRefused(N_("The Prefect run of this task no longer exists; support can "
                               "queue the task again.")) from None
    except (httpx.HTTPError, PrefectHTTPStatusError):
        raise ActionRefused(N_("Prefect cannot be reached right now; try again in a minute."),
                            503) from None
    return Notice(N_("Restarted: the task runs again in a moment."))


REASON_LENGTH = 500
NOTE_LENGTH = 1000


def mark_urgent(session: Session, user: User, task_id: int, reason: str = "") -> Notice:
    """Stress the priority of a red task for support; no ticket needed (the seed's tip).

    Who, when and why are kept on the task (shown to everyone) and in the audit log; an
    event tells Prefect, whose automation mails the support team at once. Urgency ends when
    the task is done.
    """
    task = session.get_one(SyncTask, task_id)
    if task.status != TaskStatus.FAILED or task.responsibility != Responsibility.SUPPORT:
        raise ActionRefused(N_("Only tasks that support is handling can be marked urgent."))
    if not task.urgent:
        reason = " ".join(reason.split())[:REASON_LENGTH]
        repo.mark_urgent(session, task, user.email, reason or None)
        repo.audit(session, user.email, "escalate", "sync_task", str(task_id),
                   {"dossier": task.dossier_id, "reason": reason}, user.id)
        session.commit()  # recorded before anyone is told
        emit_event(event=URGENT_EVENT,
                   resource={"prefect.resource.id": task_resource(task_id)},
                   related=[{"prefect.resource.id": f"doorstroom.dossier.{task.dossier_id}",
                             "prefect.resource.role": "dossier"}])
    return Notice(N_("Marked urgent: support handles this task first."))


def claim(session: Session, user: User, task_id: int) -> Notice:
    """Support takes a red task (or gives it back): everyone sees who handles it."""
    task = session.get_one(SyncTask, task_id)
    if user.role != UserRole.SUPPORT:
        raise ActionRefused(N_("Only support can take a task."), 403)
    if task.claimed_by == user.email:
        repo.set_claim(session, task, None)
        repo.audit(session, user.email, "release", "sync_task", str(task_id), None, user.id)
        return Notice(N_("Released: another support agent can take this task."))
    if task.status != TaskStatus.FAILED:
        raise ActionRefused(N_("Only failed tasks can be taken."))
    repo.set_claim(session, task, user.email)
    repo.audit(session, user.email, "claim", "sync_task", str(task_id), None, user.id)
    return Notice(N_("Taken: you handle this task."))


def leave_note(session: Session, user: User, task_id: int, note: str) -> Notice:
    """Support's note to the office on a task (empty: removed); audited."""
    if user.role != UserRole.SUPPORT:
        raise ActionRefused(N_("Only support can leave a note."), 403)
    task = session.get_one(SyncTask, task_id)
    text = note.strip()[:NOTE_LENGTH]
    repo.set_support_note(session, task, user.email, text or None)
    repo.audit(session, user.email, "note", "sync_task", str(task_id), {"note": text}, user.id)
    return Notice(N_("Note saved: the office sees it on the task."))


def restart_problems(session: Session, user: User, keys: list[str]) -> Notice:
    """Restart every failed task of the chosen problems (each run once); audited per problem.

    The keys are looked up again in the store within the user's rights, so the restart takes
    the problem's tasks as they are now, including any that failed for the same cause since
    the page was drawn.
    """
    chosen = tasks_of_problems(session, Viewer.of(user), keys)
    if not chosen:
        raise ActionRefused(N_("These problems are solved or restarted already; reload the "
                               "page."))
    for key, task_ids in chosen.items():
        repo.audit(session, user.email, "restart_problem", "problem", key,
                   {"tasks": task_ids}, user.id)
    session.commit()  # the audit stands, whatever Prefect answers
    try:
        done = restart_tasks([task for ids in chosen.values() for task in ids],
                             actor=user.email, user_id=user.id)
    except (httpx.HTTPError, PrefectHTTPStatusError):
        raise ActionRefused(N_("Prefect cannot be reached right now; try again in a minute."),
                            503) from None
    if done.tasks:
        return Notice(N_("Restarted: %(num)s task runs again in a moment."),
                      plural="Restarted: %(num)s tasks run again in a moment.",
                      count=len(done.tasks))  # the plural is the catalogue entry's own
    if done.by_others:
        return Notice(RESTARTED_BY, {"who": ", ".join(sorted(set(done.by_others)))})
    if done.refused:  # say why, as the row's own restart would
        [(reason, _count)] = done.refused.most_common(1)
        raise ActionRefused(RESTART_REFUSALS[reason])
    raise ActionRefused(N_("These problems are solved or restarted already; reload the page."))


def set_vat_filing(session: Session, user: User, dossier_id: int, filing: str) -> Notice:
    """An office-level user says how often the dossier files its VAT return; every waiting
    document's deadline follows. Audited."""
    if user.role != UserRole.OFFICE:
        raise ActionRefused(N_("Only office-level users can change a dossier's VAT filing."),
                            403)
    if filing not in {choice.value for choice in Filing}:
        raise ActionRefused(N_("Choose monthly, quarterly or no VAT returns."), 422)
    before = queries.vat_filing(session, dossier_id)
    repo.set_vat_filing(session, dossier_id, filing)
    repo.audit(session, user.email, "vat_filing", "dossier", str(dossier_id),
               {"from": before, "to": filing}, user.id)
    return Notice(N_("Saved: the deadlines of this dossier's documents follow the new "
                     "VAT filing."))


def choose_period(session: Session, user: User, task_id: int, period: str,
                  confirm: str) -> Notice:
    """A person moves a task's document out of its closed period into one of the next
    financial year (after confirming); the choice is audited and the task restarted."""
    if confirm != "yes":
        raise ActionRefused(N_("Tick the confirmation first: the document is booked in the "
                               "period you choose."), 422)
    session.commit()  # the choice and the restart write through their own sessions
    try:
        period_choice.choose(task_id, period, actor=user.email, user_id=user.id)
    except period_choice.ChoiceRefused:
        raise ActionRefused(N_("This period cannot be chosen for this task (any more); "
                               "reload the page.")) from None
    except RestartRefused as refused:
        if refused.reason != "already_restarted":
            raise ActionRefused(RESTART_REFUSALS[refused.reason]) from None
    except (httpx.HTTPError, PrefectHTTPStatusError):
        raise ActionRefused(N_("The period is saved, but Prefect cannot be reached right "
                               "now; restart the task in a minute."), 503) from None
    return Notice(N_("Moved to %(period)s: the task runs again in a moment and books it there."),
                  {"period": period_choice.label(period)})
