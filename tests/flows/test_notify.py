"""E-mails: the daily digest for the people who must act, and support's notice of a red run."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from connectors.sandbox_faults import Fault
from deployments.demo.mailbox import Mailbox
from doorstroom import clock
from doorstroom.events import task_resource
from doorstroom.failures import Responsibility
from doorstroom.monitor.actions import mark_urgent
from doorstroom.store import problems
from doorstroom.store import repository as repo
from doorstroom.store.db import session_scope
from doorstroom.store.models import AuditEntry, User, UserRole
from flows.dispatch import dispatch
from flows.notify import daily_digest, notify_office, notify_urgent
from tests.flows.test_dispatch_and_restart import mark_done
from tests.helpers import (
    a_dossier,
    a_proposal,
    a_task,
    a_user,
    an_office,
    documents_for,
    email_of,
    fail_tasks,
    wait_until_settled,
)
from tests.sandboxes import RunningExact

RIGHTS = "exact_online.dossier_rights_missing"


def mails_to(mailbox: Mailbox, address: str) -> list[Any]:
    return [m for m in mailbox.messages() if m["To"] == address]


def wait_for_mail(mailbox: Mailbox, address: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := mails_to(mailbox, address)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no mail to {address}")
        time.sleep(1)
    return found[0]


def plain(mail: EmailMessage) -> str:
    """The plain-text part of a multipart/alternative mail."""
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_each_manager_gets_one_digest_a_day_in_their_language_with_links(
        prefect_stack: object, mailbox: Mailbox) -> None:
    office = an_office("Kantoor Digest")
    mine = a_dossier(office, "Digest Brouwerij", 0, "b")
    other = a_dossier(office, "Digest Garage", 0, "b")
    orange = [a_task(mine, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "Digest Brouwerij"}),
              a_task(other, Responsibility.EMPLOYEE, RIGHTS, {"dossier": "Digest Garage"})]
    red = a_task(other, Responsibility.SUPPORT, "unexpected_error", {"error": "Geheim"})
    els = email_of(a_user(UserRole.DOSSIER, office, [mine], language="nl"))
    marie = email_of(a_user(UserRole.OFFICE, office, language="fr"))

    daily_digest()
    daily_digest()  # a retry on the same day sends nothing twice

    [to_els] = mails_to(mailbox, els)
    [to_marie] = mails_to(mailbox, marie)
    text = plain(to_els)
    assert to_els["Subject"] == "Doorstroom: 1 taak wacht op u"
    assert "Voor het aanmaken van het dossier 'Digest Brouwerij' zijn de dossierrechten" in text
    assert f"https://monitor.test/dossiers/{mine}" in text
    assert "Digest Garage" not in text and "Geheim" not in text
    assert to_marie["Subject"] == "Doorstroom : 2 tâches vous attendent"
    assert "Digest Brouwerij" in plain(to_marie)
    assert "Digest Garage" in plain(to_marie)
    mark_done([*orange, red])


def test_given_a_run_that_needs_support_then_the_support_team_is_mailed(
        prefect_stack: object, mailbox: Mailbox, exact_sandbox: RunningExact,
        exact_block: str) -> None:
    sam = email_of(a_user(UserRole.SUPPORT, None, language="en"))
    exact_sandbox.state.add_division(5601, "Notify Drukkerij")
    exact_sandbox.state.add_fault(Fault(kind="garbage", method="POST",
                                        path_contains="purchaseentry"))
    [task] = documents_for(a_dossier(an_office(), "Notify Drukkerij", 5601, exact_block),
                           [a_proposal()])

    dispatch()
    wait_until_settled([task])

    notice = wait_for_mail(mailbox, sam)
    assert notice["Subject"] == "Doorstroom: support needed for Notify Drukkerij"
    body = plain(notice)
    assert "Technical detail" in body and "/runs/flow-run/" in body
    mark_done([task])


def test_a_task_marked_urgent_in_the_monitor_mails_support_at_once_and_only_once(
        prefect_stack: object, mailbox: Mailbox) -> None:
    sam = email_of(a_user(UserRole.SUPPORT, None, language="nl"))
    office = an_office("Kantoor Dringend")
    dossier = a_dossier(office, "Dringend Transport", 0, "b")
    red = a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"error": "x"})
    els = a_user(UserRole.OFFICE, office, language="nl")

    with session_scope() as session:
        user = session.get_one(User, els.user_id)
        mark_urgent(session, user, red, reason="De btw-aangifte moet morgen weg")

    notice = wait_for_mail(mailbox, sam)  # the event → doorstroom-urgent → notify-urgent
    assert notice["Subject"] == "Doorstroom: dringend voor Dringend Transport"
    body = plain(notice)
    assert "De btw-aangifte moet morgen weg" in body and email_of(els) in body
    assert f"/tasks/{red}" in body
    assert notify_urgent(task_resource(red)) == 0  # a retry tells nobody twice
    assert len(mails_to(mailbox, sam)) == 1
    mark_done([red])


def test_an_office_user_hears_of_a_new_orange_problem_once_and_once_more_after_the_reminder_days(
        prefect_stack: object, mailbox: Mailbox) -> None:
    office = an_office("Kantoor Herinnering")
    dossier = a_dossier(office, "Herinnering BV", 0, "b")
    blocked = [a_task(dossier, Responsibility.EMPLOYEE, "no_open_booking_period",
                      {"period": "201802"}) for _ in range(3)]
    anna = email_of(a_user(UserRole.OFFICE, office, language="nl"))

    notify_office()
    notify_office()  # the same problem: nobody hears of it twice
    [notice] = mails_to(mailbox, anna)
    assert notice["Subject"] == "Doorstroom: 1 probleem wacht op u"
    assert "3 taken wachten hierop" in plain(notice)
    assert "periode 201802" in plain(notice)

    with session_scope() as session:  # a week after the notice, still not fixed
        session.query(AuditEntry).filter(AuditEntry.action == "problem-notice",
                                         AuditEntry.object_id.like(f"%:{dossier}-%")).update(
            {"at": datetime.now(UTC) - timedelta(days=7)}, synchronize_session=False)
    notify_office()
    notify_office()
    notice, reminder = mails_to(mailbox, anna)
    assert "Dit probleem staat na 5 dagen nog open" in plain(reminder)
    mark_done(blocked)


def test_three_working_days_before_the_vat_due_date_the_office_is_reminded_once(
        prefect_stack: object, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    office = an_office("Kantoor Aangifte")
    dossier = a_dossier(office, "Aangifte BV", 0, "b", package="adsolut")
    [october] = documents_for(dossier, [a_proposal("AANG-10", date(2026, 10, 28))])
    [november] = documents_for(dossier, [a_proposal("AANG-11", date(2026, 11, 4))])
    fail_tasks([october], Responsibility.EMPLOYEE, "adsolut.no_open_booking_period",
               {"period": "202610"})
    fail_tasks([november], Responsibility.EMPLOYEE, "adsolut.no_open_booking_period",
               {"period": "202611"})
    viewer = a_user(UserRole.OFFICE, office, language="nl")
    anna = email_of(viewer)
    with session_scope() as session:  # both problems were announced to her before
        for problem in problems.problems(session, viewer, dossier):
            repo.audit(session, "notify-office", "problem-notice", "user",
                       f"{viewer.user_id}:{problem.key}")
    friday_13th = datetime(2026, 11, 13, 9, 0, tzinfo=UTC).timestamp()
    monkeypatch.setattr(clock, "SYSTEM", clock.FakeClock(friday_13th))
    notify_office()
    assert mails_to(mailbox, anna) == []  # five working days before: not yet

    tuesday_17th = datetime(2026, 11, 17, 9, 0, tzinfo=UTC).timestamp()
    monkeypatch.setattr(clock, "SYSTEM", clock.FakeClock(tuesday_17th))
    notify_office()
    notify_office()  # once per problem and due date
    [reminder] = mails_to(mailbox, anna)
    text = plain(reminder)
    assert "De btw-aangifte van de documenten van dit probleem moet binnenkort binnen" in text
    assert "Aangifte BV (Adsolut) · btw-aangifte oktober 2026 — nog 3 dagen" in text
    assert "november 2026" not in text  # its return is due on 21 December
    mark_done([october, november])
