"""The dossiers' summaries (failed tasks per side and per cause) say what their tasks say,
after every kind of write, in the same transaction — and a rolled-back write changes neither.

Each test has a store of its own: its made-up flow runs must not reach the session's flows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine, select, update

from doorstroom.documents.service import submit
from doorstroom.failures import Responsibility, SyncFailure
from doorstroom.failures.base import failure
from doorstroom.failures.codes import NO_OPEN_BOOKING_PERIOD, UNEXPECTED_ERROR
from doorstroom.store import repository
from doorstroom.store.db import Session, make_engine, migrate
from doorstroom.store.db import session_scope as store_session
from doorstroom.store.models import (
    Dossier,
    DossierProblem,
    SyncTask,
    TaskStatus,
)
from doorstroom.store.summaries import rebuild
from tests import helpers
from tests.helpers import a_proposal

ENGINE: list[Engine] = []


@pytest.fixture(autouse=True)
def own_store(tmp_path: Path) -> Iterator[None]:
    """A store of this test's own (``session_scope`` below opens it)."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    ENGINE[:] = [make_engine(url)]
    yield
    ENGINE.pop().dispose()


def session_scope() -> Any:
    """A unit of work on this test's store."""
    return store_session(ENGINE[0])


def a_dossier(name: str) -> int:
    """A dossier of an office of its own, in this test's store."""
    return helpers.a_dossier(helpers.an_office(name, engine=ENGINE[0]), name, 0, "b",
                             engine=ENGINE[0])


def a_task(dossier: int, responsibility: Responsibility | None, code: str | None = None,
           params: dict[str, str] | None = None) -> int:
    """A task (failed, or done) in this test's store."""
    return helpers.a_task(dossier, responsibility, code, params, engine=ENGINE[0])


RUN, ORANGE_RUN = str(uuid4()), str(uuid4())
Summary = tuple[tuple[int, int], list[tuple[str, str | None, str, int, date | None]]]


def _stored(session: Session, dossier: int) -> Summary:
    counts = session.execute(select(Dossier.support_failed, Dossier.employee_failed)
                             .where(Dossier.id == dossier)).one()
    rows = session.execute(select(DossierProblem).where(DossierProblem.dossier_id == dossier)
                           ).scalars()
    causes = sorted((row.failure_code, _canonical(row.params_text), row.responsibility.value,
                     row.tasks, row.due) for row in rows)
    return (counts[0], counts[1]), causes


def _counted(session: Session, dossier: int) -> Summary:
    """The same, counted from the dossier's tasks one by one."""
    failed = [task for task in session.scalars(select(SyncTask).where(
        SyncTask.dossier_id == dossier, SyncTask.status == TaskStatus.FAILED))
        if task.responsibility is not None]
    sides = Counter(task.responsibility for task in failed)
    groups: dict[tuple[str, str | None, str], list[SyncTask]] = {}
    for task in failed:
        if task.failure_code:
            key = (task.failure_code, _canonical(task.failure_params),
                   task.responsibility.value if task.responsibility else "")
            groups.setdefault(key, []).append(task)
    causes = sorted((*key, len(tasks), min((t.vat_due for t in tasks if t.vat_due),
                                           default=None)) for key, tasks in groups.items())
    return (sides[Responsibility.SUPPORT], sides[Responsibility.EMPLOYEE]), causes


def _canonical(params: object) -> str | None:
    value = json.loads(params) if isinstance(params, str) else params
    return json.dumps(value, sort_keys=True) if value is not None else None


def _true(dossier: int) -> Summary:
    with session_scope() as session:
        stored, counted = _stored(session, dossier), _counted(session, dossier)
    assert stored == counted
    return stored


def _attempt_fails(task_id: int, error: SyncFailure) -> None:
    with session_scope() as session:
        attempt = repository.start_attempt(session, task_id, RUN, None, force=True)
        assert attempt is not None
        repository.finish_failed(session, task_id, attempt, error)


def test_a_failure_and_its_restart_change_the_summary_in_their_own_transaction(
        ) -> None:
    dossier = a_dossier("Samenvatting BV")
    with session_scope() as session:
        documents = [submit(session, dossier, a_proposal(number=f"S-{n}", issue_date=date(
            2026, 3, 10)), []).document_id for n in range(3)]
        tasks = list(session.scalars(select(SyncTask.id).where(
            SyncTask.document_id.in_(documents)).order_by(SyncTask.id)))
    assert _true(dossier) == ((0, 0), [])

    closed = failure(NO_OPEN_BOOKING_PERIOD, period="202603")
    for task_id in tasks[:2]:
        _attempt_fails(task_id, closed)
    _attempt_fails(tasks[2], failure(UNEXPECTED_ERROR, error="boom"))
    counts, causes = _true(dossier)
    assert counts == (1, 2)
    assert [(code, side, n) for code, _, side, n, _ in causes] == [
        ("no_open_booking_period", "employee", 2), ("unexpected_error", "support", 1)]
    assert causes[0][4] is not None  # the documents' VAT deadline came along

    with session_scope() as session:  # a person restarts the two orange ones
        session.execute(update(SyncTask).where(SyncTask.id.in_(tasks[:2]))
                        .values(last_flow_run_id=ORANGE_RUN))
    with session_scope() as session:
        repository.requeue_for_restart(session, ORANGE_RUN, "an@office.be")
    assert _true(dossier)[0] == (1, 0)

    with session_scope() as session:  # the red one runs again (an outside retry)
        assert repository.start_attempt(session, tasks[2], RUN, None, force=True)
    assert _true(dossier) == ((0, 0), [])


def test_objects_bulk_statements_and_a_deadline_change_keep_it_true() -> None:
    dossier = a_dossier("Bulk BV")
    orange = a_task(dossier, Responsibility.EMPLOYEE, "no_open_booking_period",
                    {"period": "202601"})  # an object added and flushed
    assert _true(dossier)[0] == (0, 1)
    with session_scope() as session:
        document = submit(session, dossier, a_proposal(number="B-1"), []).document_id
        session.query(SyncTask).filter(SyncTask.document_id == document).update({
            "status": "failed", "responsibility": "support", "failure_code": "unexpected_error",
            "failure_params": {"error": "x"}})  # a bulk UPDATE into failed
    assert _true(dossier)[0] == (1, 1)
    with session_scope() as session:
        session.get_one(SyncTask, orange).responsibility = Responsibility.SUPPORT
    assert _true(dossier)[0] == (2, 0)
    with session_scope() as session:
        session.execute(update(SyncTask).where(SyncTask.dossier_id == dossier)
                        .values(status=TaskStatus.DONE))  # a bulk UPDATE out of failed
    assert _true(dossier) == ((0, 0), [])

    with session_scope() as session:
        session.query(SyncTask).filter(SyncTask.document_id == document).update({
            "status": "failed", "responsibility": "employee",
            "failure_code": "no_open_booking_period", "failure_params": {"period": "202603"}})
    monthly = _true(dossier)[1][0][4]
    with session_scope() as session:
        repository.set_vat_filing(session, dossier, "quarterly")
    quarterly = _true(dossier)[1][0][4]
    assert monthly is not None and quarterly is not None and quarterly > monthly


def test_a_rolled_back_write_leaves_the_summary_as_it_was() -> None:
    dossier = a_dossier("Terugdraai BV")
    a_task(dossier, Responsibility.SUPPORT, "unexpected_error", {"error": "x"})
    before = _true(dossier)
    with pytest.raises(RuntimeError), session_scope() as session:
        session.execute(update(SyncTask).where(SyncTask.dossier_id == dossier)
                        .values(status=TaskStatus.DONE))
        raise RuntimeError("the caller fails before its commit")
    assert _true(dossier) == before


def test_rows_written_around_the_session_are_summarised_by_a_rebuild() -> None:
    dossier = a_dossier("Omweg BV")
    a_task(dossier, Responsibility.EMPLOYEE, "no_open_booking_period", {"period": "202602"})
    with session_scope() as session:
        session.connection().execute(update(SyncTask.__table__).where(
            SyncTask.__table__.c.dossier_id == dossier).values(responsibility="support"))
        assert _stored(session, dossier) != _counted(session, dossier)  # not seen
        rebuild(session)
    assert _true(dossier)[0] == (1, 0)
