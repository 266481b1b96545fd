"""E-mail flows: the daily digest for office staff, support's notice of a red run, and
support's notice of a task someone marked urgent.

``notify-support`` is started by the ``doorstroom-support-required`` automation with the id of
the flow run that ended ``SupportRequired``; ``notify-urgent`` by ``doorstroom-urgent`` with
the task of a ``doorstroom.sync-task.marked-urgent`` event. ``daily-digest`` runs on a
schedule; each person gets at most one digest a day, and support one notice per urgency,
whatever is retried. ``notify-office`` runs every few minutes: each office user hears of a
new orange problem once, once more as a reminder when it is still open after
``DOORSTROOM_REMINDER_DAYS``, and once more three working days before the VAT return its
documents belong in is due.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

from prefect import flow, get_run_logger

from doorstroom import clock, period_choice
from doorstroom.events import TASK_RESOURCE
from doorstroom.failures import Responsibility
from doorstroom.notifications import compose
from doorstroom.notifications.mail import load_connection, message, send
from doorstroom.settings import get_settings
from doorstroom.store import problems, queries
from doorstroom.store import repository as repo
from doorstroom.store.db import Session, session_scope
from doorstroom.store.models import Dossier, SyncTask, User
from doorstroom.store.problems import Problem
from doorstroom.vat_calendar import working_days_before
from doorstroom.views import ProblemRow, TaskRow, problem_row, task_row

DEADLINE_REMINDER_WORKING_DAYS = 3
"""An orange problem whose documents' VAT return is due within this many working days is
mailed once more (once per user, problem and due date)."""


def _rows(tasks: Sequence[SyncTask], user: User) -> list[TaskRow]:
    settings = get_settings()
    return [task_row(t, user.role, user.language, settings.timezone, settings.prefect_ui())
            for t in tasks]


def _by_dossier(tasks: Sequence[SyncTask], user: User) -> list[tuple[Dossier, list[TaskRow]]]:
    groups: dict[int, tuple[Dossier, list[TaskRow]]] = {}
    for task, row in zip(tasks, _rows(tasks, user), strict=True):
        groups.setdefault(task.dossier_id, (task.dossier, []))[1].append(row)
    return list(groups.values())


def _each_office_user() -> Iterator[tuple[Session, User]]:
    """Each office user, in a session of their own: one user's mail that fails leaves the
    others' sent and recorded."""
    with session_scope() as session:
        people = queries.office_people(session)
    for person in people:
        with session_scope() as session:
            yield session, session.get_one(User, person.id)


def _sent_today(session: Session, user: User, today: date) -> bool:
    return queries.was_audited(session, "digest", f"{user.id}:{today}")


@flow(name="daily-digest")
def daily_digest() -> int:
    """One e-mail per office user with tasks that wait for them; return how many were sent."""
    logger = get_run_logger()
    connection, today = load_connection(), date.today()
    monitor_url = get_settings().monitor_url.rstrip("/")
    sent = 0
    for session, user in _each_office_user():
        waiting = queries.waiting_for_office(session, queries.Viewer.of(user))
        if not waiting or _sent_today(session, user, today):
            continue
        subject, text = compose.digest(user, _by_dossier(waiting, user), monitor_url)
        send([message(connection.sender, user.email, subject, text, user.language)],
             connection)
        repo.audit(session, "daily-digest", "digest", "user", f"{user.id}:{today}",
                   {"tasks": [t.id for t in waiting]})
        sent += 1
    logger.info("sent %d digests", sent)
    return sent


@flow(name="notify-support")
def notify_support(flow_run_id: str) -> int:
    """E-mail every support user the red tasks of one flow run; return how many e-mails."""
    run_id = flow_run_id.removeprefix("prefect.flow-run.")
    monitor_url = get_settings().monitor_url.rstrip("/")
    with session_scope() as session:
        tasks = queries.failed_for_support_in_run(session, run_id)
        team = queries.support_team(session)
        if not tasks or not team:
            get_run_logger().info("nothing to tell: %d red tasks, %d support users",
                                  len(tasks), len(team))
            return 0
        connection = load_connection()
        mails = []
        for person in team:
            for dossier, rows in _by_dossier(tasks, person):
                subject, text = compose.support_notice(dossier, rows, person.language,
                                                       monitor_url)
                mails.append(message(connection.sender, person.email, subject, text,
                                     person.language))
        send(mails, connection)
        repo.audit(session, "notify-support", "notified", "flow_run", run_id,
                   {"tasks": [t.id for t in tasks], "to": [p.email for p in team]})
    return len(mails)


@flow(name="notify-urgent")
def notify_urgent(task_id: str) -> int:
    """E-mail every support user that a red task was marked urgent (once per urgency)."""
    number = task_id.removeprefix(f"{TASK_RESOURCE}.")
    monitor_url = get_settings().monitor_url.rstrip("/")
    with session_scope() as session:
        task = queries.urgent_task(session, int(number)) if number.isdigit() else None
        team = queries.support_team(session)
        if task is None or not team:
            get_run_logger().info("nothing to tell: task %s is not urgent, or no support users",
                                  number)
            return 0
        occasion = f"{task.id}:{task.urgent_at.isoformat() if task.urgent_at else ''}"
        if queries.was_audited(session, "urgent-notice", occasion):
            return 0  # told already: a retry of this run sends nothing twice
        connection = load_connection()
        mails = []
        for person in team:
            [row] = _rows([task], person)
            subject, text = compose.urgent_notice(task.dossier, row, person.language,
                                                  monitor_url)
            mails.append(message(connection.sender, person.email, subject, text,
                                 person.language))
        send(mails, connection)
        repo.audit(session, "notify-urgent", "urgent-notice", "sync_task", occasion,
                   {"to": [p.email for p in team]})
    return len(mails)


def _unannounced(session: Session, user: User, found: Sequence[Problem], action: str
                 ) -> list[Problem]:
    return [problem for problem in found
            if not queries.was_audited(session, action, f"{user.id}:{problem.key}")]


def _deadline_near(problem: Problem, today: date) -> bool:
    """From three working days before the problem's nearest VAT due date, until that day."""
    return problem.due is not None and (
        working_days_before(problem.due, DEADLINE_REMINDER_WORKING_DAYS) <= today <= problem.due)


def _deadline_key(user: User, problem: Problem) -> str:
    return f"{user.id}:{problem.key}:{problem.due}"


def _announced_before(session: Session, user: User, problem: Problem, moment: datetime
                      ) -> bool:
    announced = queries.audited_at(session, "problem-notice", f"{user.id}:{problem.key}")
    return announced is not None and announced <= moment


@flow(name="notify-office")
def notify_office() -> int:
    """Mail each office user the orange problems new to them, and a reminder for those
    still open the reminder days after that notice (each at most once per user); return
    the e-mails."""
    settings = get_settings()
    connection, monitor_url = load_connection(), settings.monitor_url.rstrip("/")
    reminder_before = datetime.now(UTC) - timedelta(days=settings.reminder_days)
    today = clock.today(settings.timezone)
    sent = 0
    for session, user in _each_office_user():
        orange = [problem for problem in problems.problems(session, queries.Viewer.of(user))
                  if problem.responsibility == Responsibility.EMPLOYEE]
        new = _unannounced(session, user, orange, "problem-notice")
        due = [problem for problem in _unannounced(session, user, orange, "problem-reminder")
               if _announced_before(session, user, problem, reminder_before)]
        near = [problem for problem in orange if _deadline_near(problem, today)
                and not queries.was_audited(session, "deadline-reminder",
                                            _deadline_key(user, problem))]
        if not new and not due and not near:
            continue

        offers = period_choice.offers(session, [problem.tasks[0] for problem in orange])

        def rows(chosen: Sequence[Problem], user: User = user,
                 offers: dict[int, period_choice.Offer] = offers) -> list[ProblemRow]:
            return [problem_row(p, user.role, user.language, settings.timezone,
                                offers.get(p.tasks[0].id)) for p in chosen]

        subject, text = compose.problems_notice(user, rows(new), rows(due), rows(near),
                                                settings.reminder_days, monitor_url)
        send([message(connection.sender, user.email, subject, text, user.language)],
             connection)
        for problem in near:
            repo.audit(session, "notify-office", "deadline-reminder", "user",
                       _deadline_key(user, problem), {"tasks": list(problem.task_ids)})
        for problem in new:
            repo.audit(session, "notify-office", "problem-notice", "user",
                       f"{user.id}:{problem.key}", {"tasks": list(problem.task_ids)})
        for problem in due:
            repo.audit(session, "notify-office", "problem-reminder", "user",
                       f"{user.id}:{problem.key}", {"tasks": list(problem.task_ids)})
        sent += 1
    get_run_logger().info("sent %d problem e-mails", sent)
    return sent
