"""Builders for test data: offices, dossiers, proposals — names that read as the domain."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
from prefect.exceptions import PrefectHTTPStatusError
from sqlalchemy import Engine, select

from deployments.stack_guard import proc_stat
from doorstroom.documents.proposal import Attachment, BookingProposal, Party, ProposalLine
from doorstroom.documents.service import submit
from doorstroom.failures import Responsibility
from doorstroom.monitor.passwords import hash_password
from doorstroom.store.db import session_scope
from doorstroom.store.models import (
    DocumentKind,
    Dossier,
    DossierRight,
    Office,
    SyncTask,
    TaskKind,
    TaskStatus,
    User,
    UserRole,
)
from doorstroom.store.queries import Viewer

_numbers = itertools.count(1)


def a_proposal(number: str | None = None, issue_date: date = date(2026, 3, 10),
               supplier: str = "Acme NV", vat: str = "BE0123456789",
               amount: str = "100.00") -> BookingProposal:
    """A balanced purchase invoice with one line at 21% VAT."""
    excl = Decimal(amount)
    vat_amount = (excl * Decimal("0.21")).quantize(Decimal("0.01"))
    return BookingProposal(
        kind=DocumentKind.PURCHASE_INVOICE, number=number or f"INV-2026-{next(_numbers):04d}",
        issue_date=issue_date, party=Party(name=supplier, vat_number=vat), journal="600",
        lines=[ProposalLine(gl_account="604000", amount=excl, vat_code="21",
                            vat_amount=vat_amount, description="Goods")],
        total_excl=excl, total_vat=vat_amount, total_incl=excl + vat_amount,
    )


def a_spread_proposal(number: str, issue_date: date, second_period: str) -> BookingProposal:
    """An invoice whose cost is spread: half in its own period, half in ``second_period``."""
    half, vat = Decimal("50.00"), Decimal("10.50")
    lines = [ProposalLine(gl_account="611000", amount=half, vat_code="21", vat_amount=vat,
                          description="Verzekering deel 1"),
             ProposalLine(gl_account="611000", amount=half, vat_code="21", vat_amount=vat,
                          description="Verzekering deel 2", period=second_period)]
    return a_proposal(number, issue_date).model_copy(update={"lines": lines})


A_PDF = Attachment(filename="invoice.pdf", media_type="application/pdf", content=b"%PDF-1.4\n")


def an_office(name: str = "Kantoor Peeters", language: str = "nl",
              engine: Engine | None = None) -> int:
    """A new office (in ``engine``'s store, else the session's); returns its id."""
    with session_scope(engine) as session:
        office = Office(name=name, language=language)
        session.add(office)
        session.flush()
        return office.id


def a_dossier(office_id: int, name: str, division: int, block: str,
              package: str = "exact_online", external_id: str | None = None,
              engine: Engine | None = None) -> int:
    """A new dossier linked to an administration (an Exact division by default)."""
    with session_scope(engine) as session:
        dossier = Dossier(office_id=office_id, name=name, package=package,
                          external_id=external_id or str(division or f"X{next(_numbers)}"),
                          connection_block=block)
        session.add(dossier)
        session.flush()
        return dossier.id


def documents_for(dossier_id: int, proposals: Iterable[BookingProposal],
                  with_pdf: bool = True) -> list[int]:
    """Submit documents; returns the ids of their post-booking tasks."""
    with session_scope() as session:
        ids = [submit(session, dossier_id, p, [A_PDF] if with_pdf else []).document_id
               for p in proposals]
        return list(session.scalars(select(SyncTask.id).where(SyncTask.document_id.in_(ids))))


def tasks(task_ids: Iterable[int]) -> list[SyncTask]:
    """The tasks, freshly read."""
    with session_scope() as session:
        return list(session.scalars(select(SyncTask).where(SyncTask.id.in_(list(task_ids)))
                                    .order_by(SyncTask.id)))


SETTLED = (TaskStatus.DONE, TaskStatus.FAILED)


def wait_until_settled(task_ids: Iterable[int], timeout: float = 180,
                       behind_a_failure: bool = False) -> list[SyncTask]:
    """Poll the store until every task is done or failed — or, with ``behind_a_failure``,
    queued behind a failed task of its run (a run stops at a failure of the whole dossier)."""
    ids = list(task_ids)
    deadline = time.monotonic() + timeout
    while True:
        current = tasks(ids)
        failed_runs = {t.last_flow_run_id for t in current if t.status == TaskStatus.FAILED}
        if all(t.status in SETTLED or (behind_a_failure and t.status == TaskStatus.QUEUED
                                       and t.last_flow_run_id in failed_runs)
               for t in current):
            return current
        if time.monotonic() > deadline:
            raise TimeoutError(f"tasks not settled: {[(t.id, t.status) for t in current]}")
        time.sleep(0.5)


def a_task(dossier: int, responsibility: Responsibility | None, code: str | None = None,
           params: dict[str, str] | None = None, document: int | None = None,
           engine: Engine | None = None) -> int:
    """A post-booking task: failed with ``responsibility``, or done when it has none."""
    with session_scope(engine) as session:
        task = SyncTask(dossier_id=dossier, kind=TaskKind.POST_BOOKING, document_id=document,
                        status=TaskStatus.FAILED if responsibility else TaskStatus.DONE,
                        responsibility=responsibility, failure_code=code,
                        failure_params=params, attempts=1)
        session.add(task)
        session.flush()
        return task.id


_emails = itertools.count(1)
PASSWORD = "correct horse battery staple"


def a_user(role: UserRole, office: int | None, rights: list[int] | None = None,
           language: str = "nl", password: str = PASSWORD) -> Viewer:
    """A monitor user (password ``PASSWORD``) with dossier rights; returns their viewer."""
    with session_scope() as session:
        user = User(office_id=office, email=f"user{next(_emails)}@example.be",
                    name=f"{role.value} user", role=role, language=language,
                    password_hash=hash_password(password))
        session.add(user)
        session.flush()
        session.add_all(DossierRight(user_id=user.id, dossier_id=d) for d in rights or [])
        return Viewer.of(user)


def email_of(viewer: Viewer) -> str:
    """The e-mail address a viewer logs in with."""
    with session_scope() as session:
        return session.get_one(User, viewer.user_id).email


def fail_tasks(task_ids: Iterable[int], responsibility: Responsibility, code: str,
               params: dict[str, str] | None = None) -> None:
    """Put tasks in the state a run leaves them in when they failed for ``code``."""
    with session_scope() as session:
        for task in session.scalars(select(SyncTask).where(SyncTask.id.in_(list(task_ids)))):
            task.status, task.responsibility = TaskStatus.FAILED, responsibility
            task.failed_as, task.failure_code, task.failure_params = responsibility, code, params
            task.finished_at = task.first_failed_at = datetime.now(UTC)
            task.attempts = 1


def a_fixed_task(dossier: int, responsibility: Responsibility, failed_at: datetime,
                 acted_after: timedelta | None, fixed_after: timedelta | None) -> int:
    """A task with a history: failed at ``failed_at``, a person acted after ``acted_after``,
    done after ``fixed_after`` (``None``: still failed)."""
    with session_scope() as session:
        task = SyncTask(dossier_id=dossier, kind=TaskKind.POST_BOOKING, attempts=1,
                        status=TaskStatus.DONE if fixed_after else TaskStatus.FAILED,
                        responsibility=None if fixed_after else responsibility,
                        failed_as=responsibility, first_failed_at=failed_at,
                        acted_at=failed_at + acted_after if acted_after else None,
                        failure_code=None if fixed_after else "unexpected_error",
                        finished_at=failed_at + (fixed_after or timedelta()))
        session.add(task)
        session.flush()
        return task.id


def prefect_refusal(status: int = 503, path: str = "/api/deployments/x/create_flow_run",
                    ) -> PrefectHTTPStatusError:
    """Prefect's answer ``status`` to a POST of ``path``, as its client raises it (503 is the
    embedded SQLite server's "database is locked")."""
    request = httpx.Request("POST", f"http://127.0.0.1:4200{path}")
    response = httpx.Response(status, request=request, text="database is locked")
    return PrefectHTTPStatusError.from_httpx_error(
        httpx.HTTPStatusError("refused", request=request, response=response))


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return proc_stat(pid)[0] != "Z"
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float,
               what: str | Callable[[], str]) -> None:
    """Poll ``condition`` every half second; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what if isinstance(what, str) else what()
        time.sleep(0.5)
